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

}  // namespace marionette::train
