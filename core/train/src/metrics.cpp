#include "marionette/train/metrics.h"

#include "marionette/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace marionette::train {
namespace F = torch::nn::functional;
namespace {

at::Tensor unit(const at::Tensor& x) { return ((x.to(at::kFloat) + 1.0) * 0.5).clamp(0.0, 1.0); }

void requireSameShape(const at::Tensor& a, const at::Tensor& b) {
    if (a.sizes() != b.sizes() || a.dim() != 4) throw Error("metrics need two [N, C, H, W] batches of the same shape");
}

}  // namespace

double ssim(const at::Tensor& a, const at::Tensor& b) {
    requireSameShape(a, b);
    torch::NoGradGuard noGrad;
    const auto x = unit(a), y = unit(b);
    const int64_t channels = x.size(1);
    auto g = torch::arange(-5, 6, torch::kFloat).to(x.device());
    g = torch::exp(-g.square() / (2.0 * 1.5 * 1.5));
    g = g / g.sum();
    const auto window = (g.view({11, 1}) * g.view({1, 11})).expand({channels, 1, 11, 11}).contiguous();
    auto blur = [&](const at::Tensor& t) { return F::conv2d(t, window, F::Conv2dFuncOptions().groups(channels)); };
    const auto mx = blur(x), my = blur(y);
    const auto sxx = blur(x * x) - mx * mx, syy = blur(y * y) - my * my, sxy = blur(x * y) - mx * my;
    const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
    const auto map = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2));
    return map.mean().item<double>();
}

double psnr(const at::Tensor& a, const at::Tensor& b) {
    requireSameShape(a, b);
    torch::NoGradGuard noGrad;
    const auto mse = (unit(a) - unit(b)).square().flatten(1).mean(1).clamp_min(1e-10);
    return (10.0 * torch::log10(1.0 / mse)).mean().item<double>();
}

double l1Error(const at::Tensor& a, const at::Tensor& b) {
    requireSameShape(a, b);
    torch::NoGradGuard noGrad;
    return (unit(a) - unit(b)).abs().mean().item<double>();
}

at::Tensor movedRegion(const at::Tensor& reference, const at::Tensor& target) {
    requireSameShape(reference, target);
    torch::NoGradGuard noGrad;
    return ((unit(reference) - unit(target)).abs().mean(1, /*keepdim=*/true) > 0.05).to(at::kFloat);
}

namespace {

at::Tensor lumaLaplacian(const at::Tensor& x) {  // valid convolution: H-2 x W-2
    const auto u = unit(x);
    const auto luma = u.size(1) == 3
                          ? (0.299 * u.select(1, 0) + 0.587 * u.select(1, 1) + 0.114 * u.select(1, 2)).unsqueeze(1)
                          : u.mean(1, true);
    const auto kernel =
        torch::tensor({0.f, 1.f, 0.f, 1.f, -4.f, 1.f, 0.f, 1.f, 0.f}, x.options().dtype(at::kFloat)).view({1, 1, 3, 3});
    return F::conv2d(luma, kernel);
}

}  // namespace

DetailRatio::DetailRatio(const at::Tensor& target, const at::Tensor& region) : target_(target) {
    if (target.dim() != 4 || region.dim() != 4 || region.size(0) != target.size(0) || region.size(1) != 1 ||
        region.size(2) != target.size(2) || region.size(3) != target.size(3))
        throw Error("the detail ratio's region must be [N, 1, H, W] like its images");
    torch::NoGradGuard noGrad;
    masks_ = region.to(target.device()).to(at::kFloat).slice(2, 1, -1).slice(3, 1, -1) > 0.5;
    const auto laplacian = lumaLaplacian(target);
    const double unmeasured = std::numeric_limits<double>::quiet_NaN();
    for (int64_t n = 0; n < target.size(0); ++n) {
        const bool enough = masks_[n].sum().item<int64_t>() >= 64;
        const double variance = enough ? laplacian[n].masked_select(masks_[n]).var().item<double>() : 0.0;
        targetVariance_.push_back(variance > 1e-12 ? variance : unmeasured);  // a flat target has no detail to keep
    }
}

std::vector<double> DetailRatio::of(const at::Tensor& image) const {
    requireSameShape(image, target_);
    torch::NoGradGuard noGrad;
    const auto laplacian = lumaLaplacian(image.to(target_.device()));
    std::vector<double> ratios;
    for (int64_t n = 0; n < image.size(0); ++n) {
        const double variance = targetVariance_[static_cast<std::size_t>(n)];
        ratios.push_back(std::isnan(variance) ? variance
                                              : laplacian[n].masked_select(masks_[n]).var().item<double>() / variance);
    }
    return ratios;
}

int DetailRatio::measured() const {
    return static_cast<int>(
        std::count_if(targetVariance_.begin(), targetVariance_.end(), [](double v) { return !std::isnan(v); }));
}

double sumOfMeasured(const std::vector<double>& ratios) {
    double sum = 0.0;
    for (const double r : ratios)
        if (std::isfinite(r)) sum += r;
    return sum;
}

}  // namespace marionette::train
