#include "marionette/deform/mesh_render.h"

#include "marionette/deform/part_mesh.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace marionette::deform {
namespace {

// Writes the rest position of every pixel centre of `area` inside deformed triangle (q0, q1, q2). Edges shared
// by two triangles are covered by both (a tolerance of 1e-4 in barycentric terms), so no crack opens.
void rasteriseTriangle(const cv::Point2f q[3], const cv::Point2f p[3], BackwardMap& map) {
    const double area = signedArea2(q[0], q[1], q[2]);
    if (std::abs(area) < 1e-9) return;
    const cv::Rect& r = map.area;
    const int x0 = std::max(r.x, static_cast<int>(std::floor(std::min({q[0].x, q[1].x, q[2].x}))));
    const int x1 = std::min(r.br().x - 1, static_cast<int>(std::ceil(std::max({q[0].x, q[1].x, q[2].x}))));
    const int y0 = std::max(r.y, static_cast<int>(std::floor(std::min({q[0].y, q[1].y, q[2].y}))));
    const int y1 = std::min(r.br().y - 1, static_cast<int>(std::ceil(std::max({q[0].y, q[1].y, q[2].y}))));
    constexpr double kTolerance = -1e-4;
    for (int y = y0; y <= y1; ++y) {
        float* mx = map.mapX.ptr<float>(y - r.y);
        float* my = map.mapY.ptr<float>(y - r.y);
        uchar* covered = map.covered.ptr<uchar>(y - r.y);
        for (int x = x0; x <= x1; ++x) {
            const cv::Point2f c(static_cast<float>(x), static_cast<float>(y));
            const double w0 = signedArea2(q[1], q[2], c) / area;
            const double w1 = signedArea2(q[2], q[0], c) / area;
            const double w2 = 1.0 - w0 - w1;
            if (w0 < kTolerance || w1 < kTolerance || w2 < kTolerance) continue;
            mx[x - r.x] = static_cast<float>(w0 * p[0].x + w1 * p[1].x + w2 * p[2].x);
            my[x - r.x] = static_cast<float>(w0 * p[0].y + w1 * p[1].y + w2 * p[2].y);
            covered[x - r.x] = 255;
        }
    }
}

}  // namespace

BackwardMap rasteriseBackwardMap(const std::vector<cv::Point2f>& rest, const std::vector<cv::Point2f>& deformed,
                                 const std::vector<cv::Vec3i>& triangles, cv::Size image) {
    BackwardMap map;
    if (deformed.empty() || triangles.empty()) return map;
    float minX = deformed[0].x, maxX = minX, minY = deformed[0].y, maxY = minY;
    for (const auto& v : deformed) {
        minX = std::min(minX, v.x), maxX = std::max(maxX, v.x);
        minY = std::min(minY, v.y), maxY = std::max(maxY, v.y);
    }
    map.area = cv::Rect(cv::Point(static_cast<int>(std::floor(minX)), static_cast<int>(std::floor(minY))),
                        cv::Point(static_cast<int>(std::ceil(maxX)) + 1, static_cast<int>(std::ceil(maxY)) + 1)) &
               cv::Rect({0, 0}, image);
    if (map.area.empty()) return map;
    map.mapX = cv::Mat(map.area.size(), CV_32F, cv::Scalar(-1));
    map.mapY = cv::Mat(map.area.size(), CV_32F, cv::Scalar(-1));
    map.covered = cv::Mat::zeros(map.area.size(), CV_8U);
    // Turned-over triangles first: where the mesh folds (the inside of a sharply bent elbow), the triangles
    // that kept their orientation are drawn over them.
    std::vector<const cv::Vec3i*> flipped, upright;
    for (const auto& t : triangles) {
        const auto v = [&](const std::vector<cv::Point2f>& points, int k) {
            return points[static_cast<std::size_t>(t[k])];
        };
        const bool turned = (signedArea2(v(deformed, 0), v(deformed, 1), v(deformed, 2)) > 0) !=
                            (signedArea2(v(rest, 0), v(rest, 1), v(rest, 2)) > 0);
        (turned ? flipped : upright).push_back(&t);
    }
    map.flippedTriangles = static_cast<int>(flipped.size());
    for (const auto* list : {&flipped, &upright}) {
        for (const cv::Vec3i* t : *list) {
            const cv::Point2f q[3] = {deformed[static_cast<std::size_t>((*t)[0])],
                                      deformed[static_cast<std::size_t>((*t)[1])],
                                      deformed[static_cast<std::size_t>((*t)[2])]};
            const cv::Point2f p[3] = {rest[static_cast<std::size_t>((*t)[0])], rest[static_cast<std::size_t>((*t)[1])],
                                      rest[static_cast<std::size_t>((*t)[2])]};
            rasteriseTriangle(q, p, map);
        }
    }
    return map;
}

cv::Mat sampleThrough(const BackwardMap& map, const cv::Mat& source, int interpolation) {
    if (map.area.empty()) return cv::Mat();
    cv::Mat out;
    cv::remap(source, out, map.mapX, map.mapY, interpolation, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    cv::Mat zero = map.covered == 0;
    out.setTo(cv::Scalar::all(0), zero);
    return out;
}

}  // namespace marionette::deform
