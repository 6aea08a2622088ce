#pragma once
// How close detected joints are to hand-marked ones: PCK (percentage of correct keypoints), where a joint is
// correct when it lies within a fraction of the torso size of the marked joint.
#include "marionette/pose/pose.h"

#include <optional>

namespace marionette::detect {

// The torso size of a marked pose, as in LSP's PCK: the distance from the left shoulder to the right hip
// (the other diagonal when one of these is absent); nullopt when neither diagonal is marked.
std::optional<double> torsoSize(const pose::Pose& truth);

struct PckResult {
    int correct = 0;         // joints within the threshold
    int compared = 0;        // joints present in the truth (a joint the detector left out counts as wrong)
    double threshold = 0.0;  // pixels
    double fraction() const { return compared ? double(correct) / compared : 0.0; }
};

// PCK at `fraction` of the truth's torso size. Throws marionette::Error when the truth has no torso diagonal.
PckResult pck(const pose::Pose& detected, const pose::Pose& truth, double fraction);

}  // namespace marionette::detect
