#include "marionette/deform/hole_fill.h"

#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/xphoto/inpainting.hpp>

#include <algorithm>
#include <cmath>

namespace marionette::deform {
namespace {

// Work on at most this many pixels: fills are smooth or copied texture, and both cost with the area.
constexpr double kFastPixels = 160.0 * 160.0;
constexpr double kBestPixels = 256.0 * 256.0;

}  // namespace

const char* toString(FillQuality quality) { return quality == FillQuality::Best ? "best" : "fast"; }

void fillHoles(cv::Mat& image, const cv::Mat& holes, FillQuality quality) {
    if (image.type() != CV_8UC3 || holes.type() != CV_8UC1 || holes.size() != image.size())
        throw Error("fillHoles: an 8-bit colour image and an 8-bit mask of its size are needed");
    const cv::Rect holeBox = cv::boundingRect(holes);
    if (holeBox.empty()) return;
    // The fill reads a margin around the holes as wide as they are (at least 16 pixels).
    const int margin = std::max(16, std::max(holeBox.width, holeBox.height) / 2);
    const cv::Rect area = cv::Rect(holeBox.x - margin, holeBox.y - margin, holeBox.width + 2 * margin, holeBox.height + 2 * margin) &
                          cv::Rect({0, 0}, image.size());
    const double budget = quality == FillQuality::Best ? kBestPixels : kFastPixels;
    const double scale = std::min(1.0, std::sqrt(budget / area.area()));
    cv::Mat crop = image(area), mask = holes(area);
    cv::Mat small, smallMask;
    if (scale < 1.0) {
        cv::resize(crop, small, cv::Size(), scale, scale, cv::INTER_AREA);
        cv::resize(mask, smallMask, small.size(), 0, 0, cv::INTER_AREA);
        smallMask = smallMask > 0;  // a pixel partly unknown is unknown
    } else {
        small = crop.clone();
        smallMask = mask > 0;
    }
    cv::Mat filled;
    if (quality == FillQuality::Best) {
        // Shift-map works in a perceptual colour space; its mask marks the known pixels.
        cv::Mat lab, labFilled;
        cv::cvtColor(small, lab, cv::COLOR_BGR2Lab);
        cv::xphoto::inpaint(lab, smallMask == 0, labFilled, cv::xphoto::INPAINT_SHIFTMAP);
        cv::cvtColor(labFilled, filled, cv::COLOR_Lab2BGR);
    } else {
        cv::inpaint(small, smallMask, filled, /*inpaintRadius=*/3, cv::INPAINT_TELEA);
    }
    if (scale < 1.0) cv::resize(filled, filled, crop.size(), 0, 0, cv::INTER_LINEAR);
    filled.copyTo(crop, mask);
}

}  // namespace marionette::deform
