#pragma once
// The photo side of a repose, shared by the editor and `marionette-cli repose`: one crop around both
// skeletons, paste-back into the full photo, and the maps as images. No tensors here.
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

namespace marionette::edit {

// One crop for the reference and the target skeletons (the canvas's aspect ratio, kPersonCropPadding around
// both), so that the synthesised crop replaces the same region of the photo that was read. Throws
// marionette::Error when either skeleton has fewer than two joints.
Box reposeCropBox(const pose::Pose& reference, const pose::Pose& target, ImageSize photo, ImageSize canvas);

// The width of paste-back's feathered seam for a crop box: 3% of its width, at least 2 pixels.
int pasteBackFeather(const Box& box);

// Where a re-posed person may be on the canvas of `box`: both skeletons' bodies (limbs as capsules, the
// torso, the head with room for hair; sizes from each skeleton's torso length), feathered, as float weights
// at the canvas size (1 = the synthesis, 0 = the photo). Pasting only there keeps the photo's own background
// outside the person sharp, which the network can only redraw blurred; both skeletons count, so that where
// the person was and is no more gets the synthesised background. With `photoPersonMask` (float, photo size,
// detect::PersonSegmenter's), the person as it is in the photo replaces the reference skeleton's capsules
// (its hair, loose clothes and what it holds are redrawn too, and less of the background), where the mask
// found the person near that skeleton.
cv::Mat personRegion(const pose::Pose& reference, const pose::Pose& target, const Box& box, ImageSize canvas,
                     const cv::Mat& photoPersonMask = cv::Mat());

// The same region for the parts of the body that move: a limb whose either end moved, the torso when one of
// neck, shoulders or hips moved, the head when a face joint moved, each where it was and where it goes. What
// did not move keeps the photo's own, sharp pixels; with no joint moved the region is empty (all zero) and
// the photo comes back unchanged.
cv::Mat movedPartsRegion(const pose::Pose& reference, const pose::Pose& target, const Box& box, ImageSize canvas,
                         const cv::Mat& photoPersonMask = cv::Mat());

// How much of the crop the synthesis replaces in the photo.
enum class PasteExtent {
    MovedParts,  // movedPartsRegion: only what the edit moved (the default)
    Person,      // personRegion: the whole person, redrawn by the network
    WholeCrop,   // the whole crop around the person, background included
};
const char* toString(PasteExtent extent);  // "moved", "person", "crop"
std::optional<PasteExtent> pasteExtentFromString(const std::string& name);

// The paste-back weights for `extent`: movedPartsRegion, personRegion, or empty (the whole crop).
cv::Mat pasteRegion(PasteExtent extent, const pose::Pose& reference, const pose::Pose& target, const Box& box,
                    ImageSize canvas, const cv::Mat& photoPersonMask = cv::Mat());

// A drawn region (8-bit, 255 inside) grown by `featherPixels` and softened over that width, as float weights in
// [0, 1]: what personRegion and the portrait's face region do with their shapes.
cv::Mat featherRegion(const cv::Mat& mask, double featherPixels);

// The full photo with `outputCrop` (canvas-size 8-bit BGR) pasted back into `box`, only where `region`
// (personRegion's weights; empty: the whole crop) says.
cv::Mat composite(const cv::Mat& photo, const cv::Mat& outputCrop, const Box& box, const cv::Mat& region = cv::Mat());

// paste-back's blend weights at the canvas size (8-bit, 255 = synthesis), for showing a crop over the photo
// the way composite() blends it without pasting at full resolution on every edit.
cv::Mat pasteBackAlpha(const Box& box, ImageSize photo, ImageSize canvas, const cv::Mat& region = cv::Mat());

// What the network computed, drawn (docs/model.md, "What the editor shows"); each 8-bit BGR at the canvas size,
// empty when not requested or not produced by the model's variant.
struct MapImages {
    cv::Mat flow;             // colour wheel: hue = direction, saturation = length
    cv::Mat combination;      // Turbo: red = attention chosen, blue = flow
    cv::Mat attention;        // where the chosen target point reads from, heat over the reference crop
    cv::Mat attentionWarped;  // the reference moved by attention alone
    cv::Mat flowWarped;       // the reference moved by flow alone
    cv::Mat visibility;       // a flow prior's V, Turbo: red = the warped photo kept, blue = the network's drawing
    // Hybrid: the person's meshes in the target pose, and where holes opened (red) and the network drew (green),
    // over the result, cut to the crop.
    cv::Mat mesh;
    cv::Mat holes;
};

// Writes reference_crop.png, output_crop.png and each present map (flow.png, combination.png,
// attention.png, attention_warped.png, flow_warped.png, visibility.png, mesh.png, holes.png) into `folder`, creating it; returns the paths.
std::vector<std::string> writeMapImages(const std::string& folder, const cv::Mat& referenceCrop,
                                        const cv::Mat& outputCrop, const MapImages& maps);

// One labelled row to look at an edit: reference crop | target semantics | output | each present map (flow,
// combination, attention-warped, flow-warped), all at the crop's size (8-bit BGR).
cv::Mat editSheet(const cv::Mat& referenceCrop, const cv::Mat& targetSemantics, const cv::Mat& outputCrop,
                  const MapImages& maps);

// A flow colour wheel legend, `size` pixels square: the colour of a flow pointing from the centre to each pixel.
cv::Mat flowLegend(int size);

}  // namespace marionette::edit
