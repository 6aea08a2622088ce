#pragma once
// Adapting weights to the photo being edited (train::adaptWeights): the person (body weights) or the face
// (portrait weights) is cut out as for an edit, and a short fine-tuning on warped copies of it teaches the
// network this photo's own pixels. The editor's Model > Adapt to This Photo and `marionette-cli adapt` both
// run this.
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"
#include "marionette/train/adaptation.h"

#include <opencv2/core.hpp>

#include <functional>
#include <optional>
#include <string>

namespace marionette::edit {

struct PhotoAdaptation {
    std::string weightsPath;  // body or portrait weights to start from
    cv::Mat photo;            // 8-bit BGR, the whole photo
    pose::Pose reference;     // body weights: the person's skeleton in photo pixels
    std::optional<face::FaceLandmarks> face;  // portrait weights: the face's 68 landmarks in photo pixels
    std::string photoName;    // recorded in the adapted weights' training record
    std::string outPath;      // written atomically when the adaptation finishes
    train::AdaptationOptions options;
};

// The weights' kind decides what is adapted to. Throws marionette::Error for unusable weights, an empty
// photo, body weights without a skeleton of at least three joints and portrait weights without landmarks.
train::AdaptationResult adaptToPhoto(const PhotoAdaptation& request,
                                     const std::function<bool(const train::AdaptationProgress&)>& progress = {});

}  // namespace marionette::edit
