#include "marionette/edit/round_trip.h"

#include "marionette/edit/pose_editing.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace marionette::edit {
namespace {

Box unionBox(const Box& a, const Box& b) {
    const double x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
    const double x1 = std::max(a.right(), b.right()), y1 = std::max(a.bottom(), b.bottom());
    return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace

Box reposeCropBox(const pose::Pose& reference, const pose::Pose& target, ImageSize photo, ImageSize canvas) {
    if (reference.presentCount() < 2) throw Error("the reference skeleton needs at least two joints to place the person's crop");
    if (target.presentCount() < 2) throw Error("the target skeleton needs at least two joints to place the person's crop");
    return image::aspectCropBox(unionBox(*reference.bounds(), *target.bounds()), photo, canvas, image::kPersonCropPadding);
}

int pasteBackFeather(const Box& box) { return std::max(2, static_cast<int>(box.width * 0.03)); }

namespace {

// Body part sizes as fractions of the torso (neck to the middle of the hips), generous enough for loose
// clothes and hair.
constexpr double kLimbRadius = 0.25;
constexpr double kHeadRadius = 0.5;
constexpr double kFeather = 0.12;

cv::Point pixel(Point2 p) { return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))}; }

// The torso's length in the pose's own pixels; a skeleton without neck or hips falls back on a third of the
// larger side of its joints' bounds.
double torsoLength(const pose::Pose& p) {
    const auto hips = midHip(p);
    if (p.has(pose::JointId::Neck) && hips) {
        const Point2 neck = p.at(pose::JointId::Neck).position;
        const double length = std::hypot(hips->x - neck.x, hips->y - neck.y);
        if (length > 1.0) return length;
    }
    const auto b = p.bounds();
    return b ? std::max(1.0, std::max(b->width, b->height) / 3.0) : 1.0;
}

// Draws one skeleton's body into `mask` (8-bit, 255 = body), limbs `limbScale` times their usual width;
// returns its feather width in pixels.
double drawBody(cv::Mat& mask, const pose::Pose& p, double limbScale = 1.0) {
    using pose::JointId;
    const double torso = torsoLength(p);
    const int limbRadius = std::max(2, static_cast<int>(std::lround(kLimbRadius * limbScale * torso)));
    for (const pose::Limb& limb : pose::limbs()) {
        if (!p.has(limb.parent) || !p.has(limb.child)) continue;
        const cv::Point a = pixel(p.at(limb.parent).position), b = pixel(p.at(limb.child).position);
        cv::line(mask, a, b, cv::Scalar(255), 2 * limbRadius, cv::LINE_8);
        cv::circle(mask, a, limbRadius, cv::Scalar(255), cv::FILLED);
        cv::circle(mask, b, limbRadius, cv::Scalar(255), cv::FILLED);
    }
    std::vector<cv::Point> torsoCorners;
    for (JointId j : {JointId::Neck, JointId::RightShoulder, JointId::RightHip, JointId::LeftHip, JointId::LeftShoulder})
        if (p.has(j)) torsoCorners.push_back(pixel(p.at(j).position));
    if (torsoCorners.size() >= 3 && limbScale >= 1.0) {
        std::vector<cv::Point> hull;
        cv::convexHull(torsoCorners, hull);
        cv::fillConvexPoly(mask, hull, cv::Scalar(255));
    }
    // The head: around the face joints present, else above the neck.
    Point2 centre{0.f, 0.f};
    int n = 0;
    for (JointId j : {JointId::Nose, JointId::RightEye, JointId::LeftEye, JointId::RightEar, JointId::LeftEar}) {
        if (!p.has(j)) continue;
        centre.x += p.at(j).position.x;
        centre.y += p.at(j).position.y;
        ++n;
    }
    const int headRadius = static_cast<int>(std::lround(kHeadRadius * std::min(1.0, limbScale * 2.0) * torso));
    if (n > 0) {
        cv::circle(mask, pixel({centre.x / n, centre.y / n}), headRadius, cv::Scalar(255), cv::FILLED);
    } else if (p.has(JointId::Neck)) {
        const Point2 neck = p.at(JointId::Neck).position;
        cv::circle(mask, pixel({neck.x, static_cast<float>(neck.y - 0.4 * torso)}), headRadius, cv::Scalar(255), cv::FILLED);
    }
    return kFeather * torso;
}

// The photo's person mask (float, photo size) seen through the crop, at the canvas size: where it reaches
// past the photo there is no person.
cv::Mat maskOnCanvas(const cv::Mat& photoMask, const BoxToCanvas& map) {
    const double sx = map.scaleX(), sy = map.scaleY();
    // canvas = (photo - box + 0.5) * scale - 0.5, as BoxToCanvas maps points.
    const cv::Matx23d toCanvas(sx, 0, (0.5 - map.box.x) * sx - 0.5, 0, sy, (0.5 - map.box.y) * sy - 0.5);
    cv::Mat onCanvas;
    cv::warpAffine(photoMask, onCanvas, toCanvas, cv::Size(map.canvasWidth, map.canvasHeight), cv::INTER_AREA, cv::BORDER_CONSTANT, 0);
    return onCanvas;
}

}  // namespace

cv::Mat personRegion(const pose::Pose& reference, const pose::Pose& target, const Box& box, ImageSize canvas, const cv::Mat& photoPersonMask) {
    if (canvas.width <= 0 || canvas.height <= 0 || box.width <= 0 || box.height <= 0)
        throw Error("the person's region needs a non-empty crop and canvas");
    const BoxToCanvas map{box, canvas.width, canvas.height};
    const auto onCanvas = [&](Point2 q) { return map.toCanvas(q); };
    const pose::Pose referenceOnCanvas = reference.mapped(onCanvas), targetOnCanvas = target.mapped(onCanvas);
    cv::Mat mask = cv::Mat::zeros(canvas.height, canvas.width, CV_8UC1);
    double feather = drawBody(mask, targetOnCanvas);
    cv::Mat referenceBody = cv::Mat::zeros(canvas.height, canvas.width, CV_8UC1);
    feather = std::max({1.0, feather, drawBody(referenceBody, referenceOnCanvas)});
    if (!photoPersonMask.empty()) {
        if (photoPersonMask.type() != CV_32FC1) throw Error("a person mask must be one float channel");
        // The capsules trimmed to what the segmentation does not call background, widened where it sees the
        // person just past them (hair, loose clothes; not a ball at the feet or other people), plus the bones in
        // case it missed a limb. Where it found too little of the person, the capsules alone.
        const cv::Mat seen = maskOnCanvas(photoPersonMask, map);
        const cv::Mat person = seen > 0.5f;
        const int reach = std::max(1, static_cast<int>(std::lround(0.15 * torsoLength(referenceOnCanvas))));
        cv::Mat near;
        cv::dilate(referenceBody, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * reach + 1, 2 * reach + 1)));
        if (cv::countNonZero(person & referenceBody) >= cv::countNonZero(referenceBody) / 4) {
            referenceBody = (referenceBody & (seen > 0.1f)) | (person & near);
            drawBody(referenceBody, referenceOnCanvas, 0.4);
        }
    }
    mask |= referenceBody;
    return featherRegion(mask, feather);
}

cv::Mat featherRegion(const cv::Mat& mask, double featherPixels) {
    if (mask.empty() || mask.type() != CV_8UC1) throw Error("a region to feather must be an 8-bit mask");
    // At most the mask's size: a skeleton placed far outside its crop must not ask for a huge kernel.
    const double feather = std::clamp(featherPixels, 1.0, static_cast<double>(std::max(mask.cols, mask.rows)));
    // Grow by the feather width so that the shape keeps full weight, then soften the edge over that width.
    const int grow = static_cast<int>(std::ceil(feather));
    cv::Mat grown;
    cv::dilate(mask, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
    cv::Mat region;
    grown.convertTo(region, CV_32FC1, 1.0 / 255.0);
    cv::GaussianBlur(region, region, cv::Size(0, 0), feather / 2.0);
    return region;
}

cv::Mat composite(const cv::Mat& photo, const cv::Mat& outputCrop, const Box& box, const cv::Mat& region) {
    cv::Mat edited = photo.clone();
    image::pasteBack(edited, outputCrop, box, pasteBackFeather(box), region);
    return edited;
}

cv::Mat pasteBackAlpha(const Box& box, ImageSize photo, ImageSize canvas, const cv::Mat& region) {
    const cv::Mat weights = image::pasteBackWeights(box, photo, pasteBackFeather(box), cv::Size(canvas.width, canvas.height), region);
    cv::Mat alpha;
    weights.convertTo(alpha, CV_8UC1, 255.0);
    return alpha;
}

std::vector<std::string> writeMapImages(const std::string& folder, const cv::Mat& referenceCrop, const cv::Mat& outputCrop,
                                        const MapImages& maps) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw Error(folder + ": cannot create the folder: " + ec.message());
    std::vector<std::string> written;
    const auto write = [&](const char* name, const cv::Mat& image) {
        if (image.empty()) return;
        const std::string path = (std::filesystem::path(folder) / name).string();
        image::saveImage(path, image);
        written.push_back(path);
    };
    write("reference_crop.png", referenceCrop);
    write("output_crop.png", outputCrop);
    write("flow.png", maps.flow);
    write("combination.png", maps.combination);
    write("attention.png", maps.attention);
    write("attention_warped.png", maps.attentionWarped);
    write("flow_warped.png", maps.flowWarped);
    return written;
}

cv::Mat editSheet(const cv::Mat& referenceCrop, const cv::Mat& targetSemantics, const cv::Mat& outputCrop, const MapImages& maps) {
    std::vector<cv::Mat> tiles;
    const auto add = [&](const cv::Mat& tile, const char* label) {
        if (tile.empty()) return;
        cv::Mat sized;
        if (tile.size() == referenceCrop.size()) sized = tile.clone();
        else cv::resize(tile, sized, referenceCrop.size(), 0, 0, cv::INTER_NEAREST);
        tiles.push_back(image::labelled(sized, label));
    };
    add(referenceCrop, "reference");
    add(targetSemantics, "target");
    add(outputCrop, "output");
    add(maps.flow, "flow");
    add(maps.combination, "combination");
    add(maps.attentionWarped, "attention-warped");
    add(maps.flowWarped, "flow-warped");
    cv::Mat sheet;
    cv::hconcat(tiles, sheet);
    return sheet;
}

cv::Mat flowLegend(int size) {
    if (size < 2) throw Error("a flow legend needs at least 2 x 2 pixels");
    const auto coords = torch::linspace(-1.0, 1.0, size);
    const auto grid = torch::meshgrid({coords, coords}, "ij");  // rows (y), columns (x)
    const auto flow = torch::stack({grid[1], grid[0]});          // [2, size, size]: dx, dy
    cv::Mat wheel = image::flowToColour(flow, 1.f);
    // Outside the unit circle the colours saturate; keep the legend round on a neutral grey.
    const auto outside = (grid[0].square() + grid[1].square() > 1.0).to(torch::kUInt8).mul(255).contiguous();
    const cv::Mat mask(size, size, CV_8UC1, outside.data_ptr());
    wheel.setTo(cv::Scalar(64, 64, 64), mask);
    return wheel;
}

}  // namespace marionette::edit
