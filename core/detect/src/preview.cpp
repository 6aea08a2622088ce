#include "marionette/detect/preview.h"

#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace marionette::detect {

cv::Mat drawDetection(const cv::Mat& bgr, const BodyDetection& detection) {
    if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("drawing a detection needs an 8-bit colour photo");
    cv::Mat canvas = bgr.clone();
    const double unit = std::max(1.0, std::max(bgr.cols, bgr.rows) / 400.0);  // line width for the photo's size
    const auto at = [](Point2 p) {
        return cv::Point(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
    };
    const auto colour = [](pose::JointId j) {
        const Rgb c = pose::jointColour(j);
        return cv::Scalar(c.b, c.g, c.r);
    };
    for (const Box& r : detection.regions) {
        cv::rectangle(canvas,
                      cv::Rect(static_cast<int>(std::lround(r.x)), static_cast<int>(std::lround(r.y)),
                               static_cast<int>(std::lround(r.width)), static_cast<int>(std::lround(r.height))),
                      cv::Scalar(160, 160, 160), 1, cv::LINE_AA);
    }
    const pose::Pose& p = detection.pose;
    for (const auto& limb : pose::limbs()) {
        if (!p.has(limb.parent) || !p.has(limb.child)) continue;
        cv::line(canvas, at(p.at(limb.parent).position), at(p.at(limb.child).position), colour(limb.child),
                 static_cast<int>(std::lround(2 * unit)), cv::LINE_AA);
    }
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto k = p.find(pose::jointAt(j));
        if (!k) continue;
        const int radius = static_cast<int>(std::lround(unit * (2.0 + 3.0 * std::clamp(k->confidence, 0.f, 1.f))));
        cv::circle(canvas, at(k->position), radius, colour(pose::jointAt(j)), cv::FILLED, cv::LINE_AA);
        cv::circle(canvas, at(k->position), radius, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    }
    return canvas;
}

}  // namespace marionette::detect
