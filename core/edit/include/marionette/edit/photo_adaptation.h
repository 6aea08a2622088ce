#pragma once
// Adapting body weights to the photo being edited (train::adaptWeights): the person is cut out as for an
// edit, and a short fine-tuning on limb-warped copies of it teaches the network this person's own pixels.
// The editor's Model > Adapt to This Photo and `marionette-cli adapt` both run this.
#include "marionette/pose/pose.h"
#include "marionette/train/adaptation.h"

#include <opencv2/core.hpp>

#include <functional>
#include <string>

namespace marionette::edit {

struct PhotoAdaptation {
    std::string weightsPath;  // body weights to start from
    cv::Mat photo;            // 8-bit BGR, the whole photo
    pose::Pose reference;     // the person's skeleton in photo pixels
    std::string photoName;    // recorded in the adapted weights' training record
    std::string outPath;      // written atomically when the adaptation finishes
    train::AdaptationOptions options;
};

// Throws marionette::Error for unusable weights, an empty photo or a skeleton of fewer than three joints.
train::AdaptationResult adaptToPhoto(const PhotoAdaptation& request,
                                     const std::function<bool(const train::AdaptationProgress&)>& progress = {});

}  // namespace marionette::edit
