#pragma once
// Face semantics for the network (docs/model.md, "Semantics": face, P = 9): per part of the iBUG layout one
// anti-aliased polyline 2 px wide at height 256, blurred with sigma 1.5 px at height 256 (both scaled with
// the height), normalised to a peak of 1.
#include "marionette/face/landmarks.h"

#include <torch/types.h>

#include <vector>

namespace marionette::face {

constexpr int kFaceSemanticChannels = kPartCount;

double partLineWidth(int height);
double partBlurSigma(int height);

// [9, height, width]; landmarks in canvas pixel coordinates.
torch::Tensor renderPartMaps(const FaceLandmarks& landmarks, int height, int width,
                             const torch::TensorOptions& options = torch::kFloat32);
// [N, 9, height, width]
torch::Tensor renderPartMaps(const std::vector<FaceLandmarks>& faces, int height, int width,
                             const torch::TensorOptions& options = torch::kFloat32);

}  // namespace marionette::face
