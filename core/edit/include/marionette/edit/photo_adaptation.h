#pragma once
// Adapting weights to the photo being edited (train::adaptWeights): the person (body weights) or the face
// (portrait weights) is cut out as for an edit, and a short fine-tuning on warped copies of it teaches the
// network this photo's own pixels. The editor's Model > Adapt to This Photo and `marionette-cli adapt` both
// run this.
#include "marionette/engine/device.h"
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace marionette::edit {

// The fewest joints of the person's skeleton that body weights can be adapted to.
inline constexpr int kMinimumAdaptationJoints = 3;

// How the adaptation trains (the defaults are train::AdaptationOptions's; train stays private to edit).
struct AdaptationOptions {
    int steps = 150;  // at c = 16 on two CPU threads: 3-6 minutes for a body, 6.5-12 for a face; seconds on a GPU
    int batchSize = 4;
    double learningRate = 3e-4;  // three times the training recipe's
    engine::Device device = engine::Device::Auto;
    int threads = 0;  // CPU threads; 0: one per processor core
    std::uint64_t seed = 1;
};

struct AdaptationProgress {
    int step = 0, steps = 0;
    double pixelL1 = 0.0;  // of the latest batch, on the [-1, 1] scale
    double imagesPerSecond = 0.0;
};

enum class AdaptationResult { Finished, Cancelled };

struct PhotoAdaptation {
    std::string weightsPath;                  // body or portrait weights to start from
    cv::Mat photo;                            // 8-bit BGR, the whole photo
    pose::Pose reference;                     // body weights: the person's skeleton in photo pixels
    std::optional<face::FaceLandmarks> face;  // portrait weights: the face's 68 landmarks in photo pixels
    std::string photoName;                    // recorded in the adapted weights' training record
    std::string outPath;                      // written atomically when the adaptation finishes
    AdaptationOptions options;
};

// The weights' kind decides what is adapted to. Throws marionette::Error for unusable weights, an empty
// photo, body weights without a skeleton of at least three joints and portrait weights without landmarks.
// `progress` is called after every step; returning false cancels.
AdaptationResult adaptToPhoto(const PhotoAdaptation& request,
                              const std::function<bool(const AdaptationProgress&)>& progress = {});

}  // namespace marionette::edit
