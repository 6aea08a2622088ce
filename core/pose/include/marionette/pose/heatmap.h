#pragma once
// Body semantics for the network (docs/model.md, "Semantics"): one Gaussian heatmap per COCO-18 joint, P = 18
// channels at the canvas size, sigma = 6 px at height 256 and scaled with the height, value 1 at the
// joint's position, and an all-zero channel for a missing joint.
#include "marionette/pose/pose.h"

#include <torch/types.h>

#include <vector>

namespace marionette::pose {

constexpr int kBodySemanticChannels = kJointCount;

// Standard deviation in pixels of a joint's Gaussian for a canvas `height` pixels tall.
double heatmapSigma(int height);

// [18, height, width] float32; poses are in canvas pixel coordinates.
torch::Tensor renderHeatmaps(const Pose& pose, int height, int width,
                             const torch::TensorOptions& options = torch::kFloat32);
// [N, 18, height, width]; all poses rendered in one batched tensor expression.
torch::Tensor renderHeatmaps(const std::vector<Pose>& poses, int height, int width,
                             const torch::TensorOptions& options = torch::kFloat32);

}  // namespace marionette::pose
