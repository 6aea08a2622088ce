#include "marionette/train/metrics.h"

#include "marionette/util/error.h"

#include <torch/torch.h>

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

double detailRatioSum(const at::Tensor& image, const at::Tensor& target, const at::Tensor& region, int& counted) {
    requireSameShape(image, target);
    if (region.dim() != 4 || region.size(0) != image.size(0) || region.size(1) != 1 ||
        region.size(2) != image.size(2) || region.size(3) != image.size(3))
        throw Error("the detail ratio's region must be [N, 1, H, W] like its images");
    torch::NoGradGuard noGrad;
    const auto luma = [](const at::Tensor& x) {
        const auto u = unit(x);
        return u.size(1) == 3 ? (0.299 * u.select(1, 0) + 0.587 * u.select(1, 1) + 0.114 * u.select(1, 2)).unsqueeze(1)
                              : u.mean(1, true);
    };
    const auto kernel = torch::tensor({0.f, 1.f, 0.f, 1.f, -4.f, 1.f, 0.f, 1.f, 0.f}, image.options().dtype(at::kFloat))
                            .view({1, 1, 3, 3});
    const auto laplacian = [&](const at::Tensor& x) { return F::conv2d(luma(x), kernel); };  // valid: H-2 x W-2
    const auto inner = region.to(image.device()).to(at::kFloat).slice(2, 1, -1).slice(3, 1, -1);
    const auto li = laplacian(image), lt = laplacian(target.to(image.device()));
    double sum = 0.0;
    for (int64_t n = 0; n < image.size(0); ++n) {
        const auto mask = inner[n] > 0.5;
        if (mask.sum().item<int64_t>() < 64) continue;
        const double vi = li[n].masked_select(mask).var().item<double>();
        const double vt = lt[n].masked_select(mask).var().item<double>();
        if (!(vt > 1e-12)) continue;  // a flat target region has no detail to keep
        sum += vi / vt;
        ++counted;
    }
    return sum;
}

}  // namespace marionette::train
