#pragma once
// One training pair made by core/synth: the same person (or face) twice, in two poses or expressions, with
// the semantics of both. Images follow docs/model.md: float32 RGB in [-1, 1], CHW, canvas H x W.
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"

#include <torch/types.h>

#include <cstdint>
#include <optional>

namespace marionette::synth {

struct PairSample {
    torch::Tensor reference;   // [3, H, W] float32 RGB in [-1, 1]
    torch::Tensor target;      // [3, H, W], same person in another pose / expression
    pose::Pose referencePose;  // canvas pixel coordinates (body samples; empty for portraits)
    pose::Pose targetPose;
    std::optional<face::FaceLandmarks> referenceFace;  // portrait samples only
    std::optional<face::FaceLandmarks> targetFace;
    // Coverage of the person [1, H, W] in [0, 1] where the generator knows it (procedural bodies and
    // portraits); undefined tensors otherwise.
    torch::Tensor referenceMask;
    torch::Tensor targetMask;
    std::uint64_t seed = 0;  // the seed the pair was generated from
    // Both images seen through the same camera, as in an edit of one photo: whatever did not move is where it
    // was (training augments such a pair with one geometric change for both images, see train::augment).
    bool sameFraming = false;
};

}  // namespace marionette::synth
