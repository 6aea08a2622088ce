#include "marionette/image/crop.h"

#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace marionette::image {
namespace {

void requirePositive(const std::optional<ImageSize>& photo, ImageSize canvas) {
    if (photo && (photo->width <= 0 || photo->height <= 0)) throw Error("the photo is empty");
    if (canvas.width <= 0 || canvas.height <= 0) throw Error("the canvas size must be positive");
}

// Top-left corner along one axis: inside [0, photoExtent] when the box fits, centred on the person otherwise.
int placeAlongAxis(double centre, int extent, std::optional<int> photoExtent) {
    const int start = static_cast<int>(std::lround(centre - extent / 2.0));
    if (!photoExtent || extent > *photoExtent) return start;
    return std::clamp(start, 0, *photoExtent - extent);
}

// Grows a box about its centre to the canvas aspect ratio and places it in whole pixels.
Box fitAspect(double cx, double cy, double width, double height, const std::optional<ImageSize>& photo,
              ImageSize canvas) {
    const double aspect = double(canvas.width) / canvas.height;
    if (width / height < aspect)
        width = height * aspect;
    else
        height = width / aspect;
    const int h = std::max(1, static_cast<int>(std::ceil(height - 1e-6)));
    const int w = std::max(1, static_cast<int>(std::lround(h * aspect)));
    const int x = placeAlongAxis(cx, w, photo ? std::optional<int>(photo->width) : std::nullopt);
    const int y = placeAlongAxis(cy, h, photo ? std::optional<int>(photo->height) : std::nullopt);
    return {double(x), double(y), double(w), double(h)};
}

cv::Rect toRect(const Box& box) {
    return {static_cast<int>(std::lround(box.x)), static_cast<int>(std::lround(box.y)),
            static_cast<int>(std::lround(box.width)), static_cast<int>(std::lround(box.height))};
}

}  // namespace

Box personCropBox(const pose::Pose& pose, std::optional<ImageSize> photo, ImageSize canvas, double padding) {
    requirePositive(photo, canvas);
    if (pose.presentCount() < 2) throw Error("the skeleton needs at least two joints to place the person's crop");
    const Box joints = *pose.bounds();
    const double margin = padding * std::max({joints.height, joints.width, 8.0});
    return fitAspect(joints.x + joints.width / 2, joints.y + joints.height / 2, joints.width + 2 * margin,
                     joints.height + 2 * margin, photo, canvas);
}

Box aspectCropBox(const Box& interest, std::optional<ImageSize> photo, ImageSize canvas, double padding) {
    requirePositive(photo, canvas);
    const double margin = padding * std::max({interest.width, interest.height, 8.0});
    return fitAspect(interest.x + interest.width / 2, interest.y + interest.height / 2, interest.width + 2 * margin,
                     interest.height + 2 * margin, photo, canvas);
}

cv::Mat cropToCanvas(const cv::Mat& photo, const Box& box, ImageSize canvas) {
    if (photo.empty()) throw Error("the photo is empty");
    const cv::Rect rect = toRect(box);
    const cv::Rect inside = rect & cv::Rect(0, 0, photo.cols, photo.rows);
    if (rect.width <= 0 || rect.height <= 0 || inside.empty()) throw Error("the crop box lies outside the photo");
    cv::Mat region;
    cv::copyMakeBorder(photo(inside), region, inside.y - rect.y, rect.br().y - inside.br().y, inside.x - rect.x,
                       rect.br().x - inside.br().x, cv::BORDER_REPLICATE);
    cv::Mat out;
    const bool shrinking = canvas.width < rect.width;
    cv::resize(region, out, cv::Size(canvas.width, canvas.height), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

PersonOnCanvas cropPersonToCanvas(const cv::Mat& photo, const pose::Pose& pose, const Box& box, ImageSize canvas) {
    const BoxToCanvas toCanvas{box, canvas.width, canvas.height};
    return {cropToCanvas(photo, box, canvas), pose.mapped([&](Point2 p) { return toCanvas.toCanvas(p); }), box};
}

PersonOnCanvas cropPersonToCanvas(const cv::Mat& photo, const pose::Pose& pose, ImageSize canvas) {
    if (photo.empty()) throw Error("the photo is empty");
    return cropPersonToCanvas(photo, pose, personCropBox(pose, ImageSize{photo.cols, photo.rows}, canvas), canvas);
}

Box faceCropBox(const face::FaceLandmarks& landmarks, std::optional<ImageSize> photo, ImageSize canvas) {
    return aspectCropBox(landmarks.bounds(), photo, canvas, kFaceCropPadding);
}

FaceOnCanvas cropFaceToCanvas(const cv::Mat& photo, const face::FaceLandmarks& landmarks, ImageSize canvas) {
    if (photo.empty()) throw Error("the photo is empty");
    const Box box = faceCropBox(landmarks, ImageSize{photo.cols, photo.rows}, canvas);
    const BoxToCanvas toCanvas{box, canvas.width, canvas.height};
    return {cropToCanvas(photo, box, canvas), landmarks.mapped([&](Point2 p) { return toCanvas.toCanvas(p); }), box};
}

cv::Mat pasteBackWeights(const Box& box, ImageSize photo, int featherPixels, cv::Size size, const cv::Mat& canvasMask) {
    const cv::Rect rect = toRect(box);
    if (rect.width <= 0 || rect.height <= 0 || size.width <= 0 || size.height <= 0)
        throw Error("paste-back weights need a non-empty box and size");
    // Weight per pixel: distance to the nearest box edge that lies inside the photo, over the feather width.
    const bool featherLeft = rect.x > 0, featherTop = rect.y > 0;
    const bool featherRight = rect.br().x < photo.width, featherBottom = rect.br().y < photo.height;
    const float feather = static_cast<float>(std::max(0, featherPixels));
    const float sx = static_cast<float>(rect.width) / size.width, sy = static_cast<float>(rect.height) / size.height;
    cv::Mat weight(size, CV_32FC1);
    for (int r = 0; r < size.height; ++r) {
        auto* row = weight.ptr<float>(r);
        const float y = (static_cast<float>(r) + 0.5f) * sy;  // pixel centre, box coordinates
        for (int c = 0; c < size.width; ++c) {
            const float x = (static_cast<float>(c) + 0.5f) * sx;
            float d = 1e9f;
            if (featherLeft) d = std::min(d, x);
            if (featherRight) d = std::min(d, rect.width - x);
            if (featherTop) d = std::min(d, y);
            if (featherBottom) d = std::min(d, rect.height - y);
            row[c] = feather > 0.f ? std::clamp(d / feather, 0.f, 1.f) : 1.f;
        }
    }
    if (!canvasMask.empty()) {
        if (canvasMask.type() != CV_32FC1) throw Error("a paste-back mask must be one float channel");
        cv::Mat mask;
        cv::resize(canvasMask, mask, size, 0, 0, cv::INTER_LINEAR);
        weight = weight.mul(mask);
    }
    return weight;
}

void pasteBack(cv::Mat& photo, const cv::Mat& canvasImage, const Box& box, int featherPixels,
               const cv::Mat& canvasMask) {
    if (photo.type() != CV_8UC3 || canvasImage.type() != CV_8UC3) throw Error("paste-back needs 8-bit colour images");
    const cv::Rect rect = toRect(box);
    const cv::Rect inside = rect & cv::Rect(0, 0, photo.cols, photo.rows);
    if (rect.width <= 0 || rect.height <= 0 || inside.empty()) throw Error("the paste-back box lies outside the photo");
    cv::Mat patch;
    cv::resize(canvasImage, patch, rect.size(), 0, 0, cv::INTER_LINEAR);
    patch = patch(inside - rect.tl());

    const cv::Mat weight = pasteBackWeights(box, ImageSize{photo.cols, photo.rows}, featherPixels, rect.size(),
                                            canvasMask)(inside - rect.tl());
    cv::Mat region = photo(inside);
    cv::Mat w3, p, s;
    cv::merge(std::vector<cv::Mat>{weight, weight, weight}, w3);
    region.convertTo(p, CV_32FC3);
    patch.convertTo(s, CV_32FC3);
    cv::Mat blended = p.mul(cv::Scalar::all(1.0) - w3) + s.mul(w3);
    blended.convertTo(region, CV_8UC3);
}

}  // namespace marionette::image
