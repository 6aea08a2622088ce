#pragma once
// The boundary between photos (8-bit BGR cv::Mat) and the network's images (float RGB in [-1, 1], CHW;
// docs/model.md "Tensors and conventions").
#include <torch/types.h>
#include <opencv2/core.hpp>

namespace marionette::image {

// [3, H, W] float32 RGB in [-1, 1] on the CPU.
torch::Tensor imageToTensor(const cv::Mat& bgr);
// From [3, H, W] or [1, 3, H, W] in [-1, 1] (any device, any float type) to 8-bit BGR; values are clamped.
cv::Mat tensorToImage(const torch::Tensor& rgb);
// A one-channel map, [H, W] with any leading dimensions of size 1 (any device, any float type), as float32 [H, W].
cv::Mat tensorToFloatMap(const torch::Tensor& map);

}  // namespace marionette::image
