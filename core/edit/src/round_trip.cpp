#include "marionette/edit/round_trip.h"

#include "marionette/edit/pose_editing.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/util/error.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
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
    if (reference.presentCount() < 2)
        throw Error("the reference skeleton needs at least two joints to place the person's crop");
    if (target.presentCount() < 2)
        throw Error("the target skeleton needs at least two joints to place the person's crop");
    return image::aspectCropBox(unionBox(*reference.bounds(), *target.bounds()), photo, canvas,
                                image::kPersonCropPadding);
}

int pasteBackFeather(const Box& box) { return std::max(2, static_cast<int>(box.width * 0.03)); }

namespace {

// Body part sizes as fractions of the torso (neck to the middle of the hips), generous enough for loose
// clothes and hair.
constexpr double kLimbRadius = 0.25;
constexpr double kHeadRadius = 0.5;
// The part of an unmoved head that a moved limb's seam may not blur: the face, short of the hair's edge.
constexpr double kStillHeadRadius = 0.4;
constexpr double kFeather = 0.12;
// A joint that moved less than this (canvas pixels) between the skeletons is where it was.
constexpr double kMovedTolerance = 0.5;

cv::Point pixel(Point2 p) { return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))}; }

// Which parts of a body to draw: limbs by their index in pose::limbs(), the torso and the head.
struct BodyParts {
    std::array<bool, pose::kLimbCount> limbs{};
    bool torso = false;
    bool head = false;

    static BodyParts all() {
        BodyParts parts;
        parts.limbs.fill(true);
        parts.torso = parts.head = true;
        return parts;
    }
    bool any() const { return torso || head || std::find(limbs.begin(), limbs.end(), true) != limbs.end(); }
};

constexpr std::array<pose::JointId, 5> kTorsoJoints{pose::JointId::Neck, pose::JointId::RightShoulder,
                                                    pose::JointId::RightHip, pose::JointId::LeftHip,
                                                    pose::JointId::LeftShoulder};
constexpr std::array<pose::JointId, 5> kHeadJoints{pose::JointId::Nose, pose::JointId::RightEye, pose::JointId::LeftEye,
                                                   pose::JointId::RightEar, pose::JointId::LeftEar};

// The parts with a joint that moved between the two skeletons by more than `tolerance` pixels, or that one of
// them has and the other has not: a limb with either end, the torso with a corner, the head with a face joint.
BodyParts movedParts(const pose::Pose& reference, const pose::Pose& target, double tolerance) {
    const auto moved = [&](pose::JointId j) {
        if (reference.has(j) != target.has(j)) return true;
        if (!reference.has(j)) return false;
        const Point2 a = reference.at(j).position, b = target.at(j).position;
        return std::hypot(a.x - b.x, a.y - b.y) > tolerance;
    };
    const auto anyMoved = [&](const auto& joints) { return std::any_of(joints.begin(), joints.end(), moved); };
    BodyParts parts;
    for (std::size_t i = 0; i < pose::limbs().size(); ++i)
        parts.limbs[i] = moved(pose::limbs()[i].parent) || moved(pose::limbs()[i].child);
    parts.torso = anyMoved(kTorsoJoints);
    parts.head = anyMoved(kHeadJoints);
    return parts;
}

// A disc of `radius` pixels around the head: the mean of the face joints present, else above the neck.
void drawHead(cv::Mat& mask, const pose::Pose& p, double radius) {
    Point2 centre{0.f, 0.f};
    int n = 0;
    for (pose::JointId j : kHeadJoints) {
        if (!p.has(j)) continue;
        centre.x += p.at(j).position.x;
        centre.y += p.at(j).position.y;
        ++n;
    }
    if (n > 0) {
        centre = {centre.x / n, centre.y / n};
    } else if (p.has(pose::JointId::Neck)) {
        const Point2 neck = p.at(pose::JointId::Neck).position;
        centre = {neck.x, static_cast<float>(neck.y - 0.4 * torsoLength(p))};
    } else {
        return;
    }
    cv::circle(mask, pixel(centre), static_cast<int>(std::lround(radius)), cv::Scalar(255), cv::FILLED);
}

// The torso's hull (neck, shoulders, hips) drawn into `mask`; nothing with fewer than three of them.
void drawTorso(cv::Mat& mask, const pose::Pose& p) {
    std::vector<cv::Point> corners;
    for (pose::JointId j : kTorsoJoints)
        if (p.has(j)) corners.push_back(pixel(p.at(j).position));
    if (corners.size() < 3) return;
    std::vector<cv::Point> hull;
    cv::convexHull(corners, hull);
    cv::fillConvexPoly(mask, hull, cv::Scalar(255));
}

// Draws `parts` of one skeleton's body into `mask` (8-bit, 255 = body), limbs `limbScale` times their usual
// width; returns its feather width in pixels.
double drawBody(cv::Mat& mask, const pose::Pose& p, const BodyParts& parts, double limbScale = 1.0) {
    const double torso = torsoLength(p);
    const int limbRadius = std::max(2, static_cast<int>(std::lround(kLimbRadius * limbScale * torso)));
    for (std::size_t i = 0; i < pose::limbs().size(); ++i) {
        const pose::Limb& limb = pose::limbs()[i];
        if (!parts.limbs[i] || !p.has(limb.parent) || !p.has(limb.child)) continue;
        const cv::Point a = pixel(p.at(limb.parent).position), b = pixel(p.at(limb.child).position);
        cv::line(mask, a, b, cv::Scalar(255), 2 * limbRadius, cv::LINE_8);
        cv::circle(mask, a, limbRadius, cv::Scalar(255), cv::FILLED);
        cv::circle(mask, b, limbRadius, cv::Scalar(255), cv::FILLED);
    }
    if (parts.torso && limbScale >= 1.0) drawTorso(mask, p);
    if (parts.head) drawHead(mask, p, kHeadRadius * std::min(1.0, limbScale * 2.0) * torso);
    return kFeather * torso;
}

// In a moved-parts region, the head and the torso that did not move keep the photo's pixels where a moved
// limb's capsule or the seam reaches over them (a raised arm's shoulder end covers part of the face), except
// where the moved limbs now lie. `movedTarget` is the moved parts drawn at the target pose.
void keepStillHeadAndTorso(cv::Mat& region, const pose::Pose& reference, const BodyParts& moved,
                           const cv::Mat& movedTarget, double feather) {
    const double torso = torsoLength(reference);
    cv::Mat kept = cv::Mat::zeros(region.size(), CV_8UC1);
    if (!moved.head) drawHead(kept, reference, kStillHeadRadius * torso);
    if (!moved.torso) {
        // Away from the shoulders and hips, where the moved limbs join it.
        cv::Mat torsoMask = cv::Mat::zeros(region.size(), CV_8UC1);
        drawTorso(torsoMask, reference);
        const int inset = std::max(1, static_cast<int>(std::lround(kLimbRadius * torso)));
        cv::erode(torsoMask, torsoMask,
                  cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * inset + 1, 2 * inset + 1)));
        kept |= torsoMask;
    }
    if (cv::countNonZero(kept) == 0) return;
    const int grow = std::max(1, static_cast<int>(std::ceil(feather)));
    cv::Mat newPlace;
    cv::dilate(movedTarget, newPlace,
               cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
    kept &= ~newPlace;
    cv::Mat keptWeight;
    kept.convertTo(keptWeight, CV_32FC1, 1.0 / 255.0);
    cv::GaussianBlur(keptWeight, keptWeight, cv::Size(0, 0), std::max(0.5, feather / 4.0));
    region = cv::min(region, 1.0 - keptWeight);
}

// The photo's person mask (float, photo size) seen through the crop, at the canvas size: where it reaches
// past the photo there is no person.
cv::Mat maskOnCanvas(const cv::Mat& photoMask, const BoxToCanvas& map) {
    const double sx = map.scaleX(), sy = map.scaleY();
    // canvas = (photo - box + 0.5) * scale - 0.5, as BoxToCanvas maps points.
    const cv::Matx23d toCanvas(sx, 0, (0.5 - map.box.x) * sx - 0.5, 0, sy, (0.5 - map.box.y) * sy - 0.5);
    cv::Mat onCanvas;
    cv::warpAffine(photoMask, onCanvas, toCanvas, cv::Size(map.canvasWidth, map.canvasHeight), cv::INTER_AREA,
                   cv::BORDER_CONSTANT, 0);
    return onCanvas;
}

// personRegion and movedPartsRegion: `movedOnly` keeps the parts whose joints moved.
cv::Mat bodyRegion(const pose::Pose& reference, const pose::Pose& target, const Box& box, ImageSize canvas,
                   const cv::Mat& photoPersonMask, bool movedOnly) {
    if (canvas.width <= 0 || canvas.height <= 0 || box.width <= 0 || box.height <= 0)
        throw Error("the person's region needs a non-empty crop and canvas");
    const BoxToCanvas map{box, canvas.width, canvas.height};
    const auto onCanvas = [&](Point2 q) { return map.toCanvas(q); };
    const pose::Pose referenceOnCanvas = reference.mapped(onCanvas), targetOnCanvas = target.mapped(onCanvas);
    if (!photoPersonMask.empty() && photoPersonMask.type() != CV_32FC1)
        throw Error("a person mask must be one float channel");
    const BodyParts parts =
        movedOnly ? movedParts(referenceOnCanvas, targetOnCanvas, kMovedTolerance) : BodyParts::all();
    if (!parts.any()) return cv::Mat::zeros(canvas.height, canvas.width, CV_32FC1);
    cv::Mat mask = cv::Mat::zeros(canvas.height, canvas.width, CV_8UC1);
    double feather = drawBody(mask, targetOnCanvas, parts);
    cv::Mat referenceBody = cv::Mat::zeros(canvas.height, canvas.width, CV_8UC1);
    feather = std::max({1.0, feather, drawBody(referenceBody, referenceOnCanvas, parts)});
    if (!photoPersonMask.empty()) {
        // The capsules trimmed to what the segmentation does not call background, widened where it sees the
        // person just past them (hair, loose clothes; not a ball at the feet or other people), plus the bones in
        // case it missed a limb. Where it found too little of the person, the capsules alone.
        const cv::Mat seen = maskOnCanvas(photoPersonMask, map);
        const cv::Mat person = seen > 0.5f;
        const int reach = std::max(1, static_cast<int>(std::lround(0.15 * torsoLength(referenceOnCanvas))));
        cv::Mat near;
        cv::dilate(referenceBody, near,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * reach + 1, 2 * reach + 1)));
        if (cv::countNonZero(referenceBody) > 0 &&
            cv::countNonZero(person & referenceBody) >= cv::countNonZero(referenceBody) / 4) {
            referenceBody = (referenceBody & (seen > 0.1f)) | (person & near);
            drawBody(referenceBody, referenceOnCanvas, parts, 0.4);
        }
    }
    const cv::Mat movedTarget = movedOnly ? mask.clone() : cv::Mat();
    mask |= referenceBody;
    cv::Mat region = featherRegion(mask, feather);
    if (movedOnly) keepStillHeadAndTorso(region, referenceOnCanvas, parts, movedTarget, feather);
    return region;
}

}  // namespace

const char* toString(PasteExtent extent) {
    switch (extent) {
        case PasteExtent::MovedParts:
            return "moved";
        case PasteExtent::Person:
            return "person";
        case PasteExtent::WholeCrop:
            return "crop";
    }
    return "";
}

std::optional<PasteExtent> pasteExtentFromString(const std::string& name) {
    for (const auto e : {PasteExtent::MovedParts, PasteExtent::Person, PasteExtent::WholeCrop})
        if (name == toString(e)) return e;
    return std::nullopt;
}

cv::Mat personRegion(const pose::Pose& reference, const pose::Pose& target, const Box& box, ImageSize canvas,
                     const cv::Mat& photoPersonMask) {
    return bodyRegion(reference, target, box, canvas, photoPersonMask, /*movedOnly=*/false);
}

cv::Mat movedPartsRegion(const pose::Pose& reference, const pose::Pose& target, const Box& box, ImageSize canvas,
                         const cv::Mat& photoPersonMask) {
    return bodyRegion(reference, target, box, canvas, photoPersonMask, /*movedOnly=*/true);
}

cv::Mat pasteRegion(PasteExtent extent, const pose::Pose& reference, const pose::Pose& target, const Box& box,
                    ImageSize canvas, const cv::Mat& photoPersonMask) {
    switch (extent) {
        case PasteExtent::MovedParts:
            return movedPartsRegion(reference, target, box, canvas, photoPersonMask);
        case PasteExtent::Person:
            return personRegion(reference, target, box, canvas, photoPersonMask);
        case PasteExtent::WholeCrop:
            break;
    }
    return cv::Mat();
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
    const cv::Mat weights =
        image::pasteBackWeights(box, photo, pasteBackFeather(box), cv::Size(canvas.width, canvas.height), region);
    cv::Mat alpha;
    weights.convertTo(alpha, CV_8UC1, 255.0);
    return alpha;
}

std::vector<std::string> writeMapImages(const std::string& folder, const cv::Mat& referenceCrop,
                                        const cv::Mat& outputCrop, const MapImages& maps) {
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
    write("visibility.png", maps.visibility);
    write("mesh.png", maps.mesh);
    write("holes.png", maps.holes);
    return written;
}

cv::Mat editSheet(const cv::Mat& referenceCrop, const cv::Mat& targetSemantics, const cv::Mat& outputCrop,
                  const MapImages& maps) {
    std::vector<cv::Mat> tiles;
    const auto add = [&](const cv::Mat& tile, const char* label) {
        if (tile.empty()) return;
        cv::Mat sized;
        if (tile.size() == referenceCrop.size())
            sized = tile.clone();
        else
            cv::resize(tile, sized, referenceCrop.size(), 0, 0, cv::INTER_NEAREST);
        tiles.push_back(image::labelled(sized, label));
    };
    add(referenceCrop, "reference");
    add(targetSemantics, "target");
    add(outputCrop, "output");
    add(maps.flow, "flow");
    add(maps.combination, "combination");
    add(maps.attentionWarped, "attention-warped");
    add(maps.flowWarped, "flow-warped");
    add(maps.visibility, "visibility");
    add(maps.mesh, "mesh");
    add(maps.holes, "holes / network");
    cv::Mat sheet;
    cv::hconcat(tiles, sheet);
    return sheet;
}

cv::Mat flowLegend(int size) {
    if (size < 2) throw Error("a flow legend needs at least 2 x 2 pixels");
    const auto coords = torch::linspace(-1.0, 1.0, size);
    const auto grid = torch::meshgrid({coords, coords}, "ij");  // rows (y), columns (x)
    const auto flow = torch::stack({grid[1], grid[0]});         // [2, size, size]: dx, dy
    cv::Mat wheel = image::flowToColour(flow, 1.f);
    // Outside the unit circle the colours saturate; keep the legend round on a neutral grey.
    const auto outside = (grid[0].square() + grid[1].square() > 1.0).to(torch::kUInt8).mul(255).contiguous();
    const cv::Mat mask(size, size, CV_8UC1, outside.data_ptr());
    wheel.setTo(cv::Scalar(64, 64, 64), mask);
    return wheel;
}

}  // namespace marionette::edit
