#pragma once
// Image quality metrics for evaluation, on images in [-1, 1] mapped to [0, 1]. Each returns the mean over
// the batch.
#include <ATen/ATen.h>

namespace marionette::train {

// Structural similarity (Wang et al. 2004): 11 x 11 Gaussian window, sigma 1.5, C1 = 0.01^2,
// C2 = 0.03^2, averaged over pixels and channels.
double ssim(const at::Tensor& a, const at::Tensor& b);
// Peak signal-to-noise ratio in dB for a data range of 1; per image, then averaged.
double psnr(const at::Tensor& a, const at::Tensor& b);
// Mean absolute error on the [0, 1] scale.
double l1Error(const at::Tensor& a, const at::Tensor& b);

}  // namespace marionette::train
