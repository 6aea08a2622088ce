#pragma once
// Loads one body image and brings it and its pose onto the model's canvas.
#include "marionette/pose/pose.h"
#include "marionette/train/data.h"
#include "marionette/util/geometry.h"

#include <ATen/ATen.h>

#include <string>

namespace marionette::train_files::detail {

enum class BodyFraming {
    PersonBox,                    // always the person's crop box (image::personCropBox, clamped to the photo)
    WholeImageWhenAspectMatches,  // the whole image when it has the canvas's aspect ratio, else the person box
};

struct BodyOnCanvas {
    at::Tensor image;  // [3, H, W] in [-1, 1]
    pose::Pose pose;   // canvas pixels
};

// Throws marionette::Error naming `path` for an unreadable image or a pose that cannot place a crop.
BodyOnCanvas loadBodyOnCanvas(const std::string& path, const pose::Pose& pose, ImageSize canvas, BodyFraming framing);

// Both images of a body pair on the canvas, as a training pair.
train::PairSample loadBodyPair(const std::string& fromPath, const pose::Pose& fromPose, const std::string& toPath,
                               const pose::Pose& toPose, ImageSize canvas, BodyFraming framing);

}  // namespace marionette::train_files::detail
