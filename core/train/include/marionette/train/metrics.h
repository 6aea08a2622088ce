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

// Where a pair moves: pixels whose mean absolute difference between reference and target exceeds 0.05 on the
// [0, 1] scale, [N, 1, H, W] as 0 / 1.
at::Tensor movedRegion(const at::Tensor& reference, const at::Tensor& target);

// How much fine detail an image keeps where the pair moves: the variance of the Laplacian of its luma over the
// target's, inside `region` ([N, 1, H, W]; interior pixels only), per image. 1 is the target's sharpness; a
// blurred image scores below 1. Returns the sum over the images whose region holds at least 64 pixels and
// counts them in `counted` (so that callers can average over batches).
double detailRatioSum(const at::Tensor& image, const at::Tensor& target, const at::Tensor& region, int& counted);

}  // namespace marionette::train
