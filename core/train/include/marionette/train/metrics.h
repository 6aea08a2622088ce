#pragma once
// Image quality metrics for evaluation, on images in [-1, 1] mapped to [0, 1]. Each returns the mean over
// the batch.
#include <ATen/ATen.h>

#include <vector>

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

// How much fine detail images keep where a pair moves: the variance of the Laplacian of their luma over the
// target's, inside `region` ([N, 1, H, W]; interior pixels only), per image. 1 is the target's sharpness; a
// blurred image scores below 1. The target's side is computed once, for every image measured against it.
class DetailRatio {
public:
    DetailRatio(const at::Tensor& target, const at::Tensor& region);
    // Per image of the batch; NaN where the region holds under 64 pixels or the target is flat there.
    std::vector<double> of(const at::Tensor& image) const;
    // How many of the batch's images have a ratio.
    int measured() const;

private:
    at::Tensor target_;                   // kept for its shape and device
    at::Tensor masks_;                    // the region inside the Laplacian's valid area, per image
    std::vector<double> targetVariance_;  // NaN where unmeasured
};

// The sum of the finite entries (the images a DetailRatio measured).
double sumOfMeasured(const std::vector<double>& ratios);

}  // namespace marionette::train
