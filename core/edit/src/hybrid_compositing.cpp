#include "hybrid_compositing.h"

#include "marionette/image/crop.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace marionette::edit::detail {

cv::Mat canvasOverArea(const cv::Mat& canvasImage, const Box& box, const cv::Rect& area) {
    const double sx = canvasImage.cols / box.width, sy = canvasImage.rows / box.height;
    // Photo pixel p shows canvas pixel (p - box.origin + 0.5) * scale - 0.5 (BoxToCanvas).
    cv::Mat toCanvas =
        (cv::Mat_<double>(2, 3) << sx, 0, (area.x - box.x + 0.5) * sx - 0.5, 0, sy, (area.y - box.y + 0.5) * sy - 0.5);
    cv::Mat out;
    cv::warpAffine(canvasImage, out, toCanvas, area.size(), cv::INTER_CUBIC | cv::WARP_INVERSE_MAP,
                   cv::BORDER_REPLICATE);
    return out;
}

cv::Mat blendNetworkIntoHoles(cv::Mat& changedPixels, const cv::Mat& network, const cv::Mat& holes,
                              const cv::Mat& ownAlpha, double scale) {
    const int ringWidth = std::max(3, static_cast<int>(std::lround(scale * 0.06)));
    cv::Mat grown;
    cv::dilate(holes, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * ringWidth + 1, 2 * ringWidth + 1}));
    cv::Mat ring = grown & ~holes & (ownAlpha > 0.5f);
    cv::Mat matched;
    network.convertTo(matched, CV_32FC3);
    if (cv::countNonZero(ring) > 16) {
        cv::Scalar netMean, netSd, warpMean, warpSd;
        cv::meanStdDev(network, netMean, netSd, ring);
        cv::meanStdDev(changedPixels, warpMean, warpSd, ring);
        std::vector<cv::Mat> channels;
        cv::split(matched, channels);
        for (int c = 0; c < 3; ++c) {
            const double gain = std::clamp(warpSd[c] / std::max(netSd[c], 1.0), 0.5, 2.0);
            channels[static_cast<std::size_t>(c)] =
                (channels[static_cast<std::size_t>(c)] - netMean[c]) * gain + warpMean[c];
        }
        cv::merge(channels, matched);
    }
    const int feather = std::max(2, ringWidth / 2);
    cv::Mat weight;
    cv::dilate(holes, weight, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * feather + 1, 2 * feather + 1}));
    weight.convertTo(weight, CV_32F, 1.0 / 255.0);
    cv::GaussianBlur(weight, weight, {0, 0}, feather / 2.0 + 0.5);
    cv::Mat weight3, base;
    cv::merge(std::vector<cv::Mat>{weight, weight, weight}, weight3);
    changedPixels.convertTo(base, CV_32FC3);
    cv::Mat blended = matched.mul(weight3) + base.mul(cv::Scalar::all(1.0) - weight3);
    blended.convertTo(changedPixels, CV_8UC3);
    return weight;
}

cv::Mat networkFillRegion(const cv::Mat& visibility, const cv::Mat& moved, const Box& box, const cv::Rect& area,
                          const cv::Mat& holes, double reach) {
    if (visibility.type() != CV_32FC1 || moved.type() != CV_32FC1 || visibility.size() != moved.size())
        throw Error("the visibility and moved maps must be one float channel of one size");
    if (holes.type() != CV_8UC1 || holes.size() != area.size())
        throw Error("the holes must be an 8-bit mask of the changed area's size");
    const cv::Mat unseen = visibility < 0.5f;
    const cv::Mat movedThere = moved > 0.5f;
    cv::Mat drawn;
    cv::bitwise_and(unseen, movedThere, drawn);
    cv::Mat weights;
    drawn.convertTo(weights, CV_32F, 1.0 / 255.0);
    // Brought over the photo as weights and cut again at one half: smooth edges at any scale.
    const cv::Mat overPhoto = canvasOverArea(weights, box, area) > 0.5f;
    const int holeArea = cv::countNonZero(holes);
    if (holeArea == 0) return holes.clone();
    // A sliver of a hole is healed by the blend's feather: the reach grows with the holes, up to `reach`.
    const double grown = std::min(reach, 0.5 * std::sqrt(static_cast<double>(holeArea)));
    const int r = std::max(1, static_cast<int>(std::lround(grown)));
    cv::Mat near;
    cv::dilate(holes, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * r + 1, 2 * r + 1}));
    return (overPhoto & near) | holes;
}

cv::Mat holesMap(const cv::Mat& result, const cv::Rect& changed, const cv::Mat& holes, const cv::Mat& network,
                 const Box& box, ImageSize canvas) {
    cv::Mat overlay = result.clone();
    cv::Mat region = overlay(changed);
    region.setTo(cv::Scalar(40, 40, 230), holes);
    if (!network.empty()) region.setTo(cv::Scalar(60, 200, 60), network);
    cv::Mat mixed;
    cv::addWeighted(result, 0.5, overlay, 0.5, 0, mixed);
    return image::cropToCanvas(mixed, box, canvas);
}

}  // namespace marionette::edit::detail
