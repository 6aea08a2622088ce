#pragma once
// The flow prior a model with one reads (model.md, "Flow prior"): the geometric warp's backward flow on the
// network's canvas, [2, H, W] in canvas pixels, target -> reference like the model's flows (model/warps.h).
#include "marionette/deform/puppet.h"
#include "marionette/face/landmarks.h"
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>

namespace marionette::edit {

// The skeletons' limb warp as body training pairs compute it (train::limbFlowOf), the poses in photo pixels, drawn
// on the canvas of `toCanvas`.
at::Tensor limbWarpFlowOnCanvas(const pose::Pose& reference, const pose::Pose& target, const BoxToCanvas& toCanvas);

// The landmarks' thin-plate spline as portrait training pairs compute it (train::landmarkFlowOf), the landmarks in
// photo pixels, drawn on the canvas of `toCanvas`.
at::Tensor landmarkWarpFlowOnCanvas(const face::FaceLandmarks& reference, const face::FaceLandmarks& target,
                                    const BoxToCanvas& toCanvas);

// The mesh warp of the hybrid method: each part's backward map (deform::rasteriseBackwardMap of its rest and
// deformed vertices) drawn back to front in the order Puppet::pose draws them, the identity where no part
// lands; read at the canvas pixels' photo positions and given in canvas pixels.
at::Tensor meshFlowOnCanvas(const deform::Puppet& puppet, const pose::Pose& target, const deform::DepthOrder& depth,
                            const BoxToCanvas& toCanvas);

// Where `flow` ([2, H, W], canvas pixels) moves a pixel by more than `tolerance` canvas pixels: float [H, W], 1
// there, 0 elsewhere. The hybrid method lets a prior model's V put the network's drawing only there.
cv::Mat movedPixels(const at::Tensor& flow, double tolerance);

}  // namespace marionette::edit
