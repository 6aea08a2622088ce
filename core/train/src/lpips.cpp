#include "marionette/train/lpips.h"

#include "marionette/model/safetensors.h"
#include "named_tensors.h"

#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/pooling.h>
#include <torch/types.h>

namespace marionette::train {
namespace F = torch::nn::functional;
namespace {

// VGG-16 "features": (torchvision index, in, out, max-pool before it, LPIPS taps its ReLU output).
struct Vgg16Conv {
    int index;
    int64_t in, out;
    bool poolBefore, tapped;
};
constexpr Vgg16Conv kVgg16Convs[] = {
    {0, 3, 64, false, false},    {2, 64, 64, false, true},    {5, 64, 128, true, false},
    {7, 128, 128, false, true},  {10, 128, 256, true, false}, {12, 256, 256, false, false},
    {14, 256, 256, false, true}, {17, 256, 512, true, false}, {19, 512, 512, false, false},
    {21, 512, 512, false, true}, {24, 512, 512, true, false}, {26, 512, 512, false, false},
    {28, 512, 512, false, true},
};
const char* const kLpipsLayout = "the LPIPS v0.1 VGG-16 layout of tools/convert_lpips.py";

}  // namespace

Lpips::Lpips(const std::string& weightsPath) {
    torch::NoGradGuard noGrad;
    const auto content = model::readSafetensors(weightsPath);
    for (const auto& c : kVgg16Convs) {
        at::Tensor weight = torch::empty({c.out, c.in, 3, 3}), bias = torch::empty({c.out});
        const std::string prefix = "features." + std::to_string(c.index) + ".";
        detail::copyNamedTensor(content, weightsPath, prefix + "weight", weight, kLpipsLayout);
        detail::copyNamedTensor(content, weightsPath, prefix + "bias", bias, kLpipsLayout);
        m_weights.push_back(weight);
        m_biases.push_back(bias);
        if (c.tapped) {
            at::Tensor w = torch::zeros({1, c.out, 1, 1});
            detail::copyNamedTensor(content, weightsPath, "lin" + std::to_string(m_linear.size()) + ".weight", w,
                                    kLpipsLayout);
            m_linear.push_back(w);
        }
    }
    // The lpips package's ScalingLayer: inputs in [-1, 1] moved to ImageNet statistics.
    m_shift = torch::tensor({-0.030f, -0.088f, -0.188f}).view({1, 3, 1, 1});
    m_scale = torch::tensor({0.458f, 0.448f, 0.450f}).view({1, 3, 1, 1});
}

void Lpips::to(const c10::Device& device) {
    for (auto& w : m_weights) w = w.to(device);
    for (auto& b : m_biases) b = b.to(device);
    for (auto& w : m_linear) w = w.to(device);
    m_shift = m_shift.to(device);
    m_scale = m_scale.to(device);
}

std::vector<at::Tensor> Lpips::features(const at::Tensor& images) const {
    std::vector<at::Tensor> taps;
    auto x = (images.to(at::kFloat) - m_shift) / m_scale;
    for (std::size_t i = 0; i < m_weights.size(); ++i) {
        if (kVgg16Convs[i].poolBefore) x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2).stride(2));
        x = torch::relu(F::conv2d(x, m_weights[i], F::Conv2dFuncOptions().bias(m_biases[i]).padding(1)));
        if (kVgg16Convs[i].tapped) taps.push_back(x);
    }
    return taps;
}

at::Tensor Lpips::distance(const at::Tensor& a, const at::Tensor& b) const {
    if (a.sizes() != b.sizes() || a.dim() != 4 || a.size(1) != 3)
        throw Error("LPIPS compares two [N, 3, H, W] image batches of one size");
    torch::NoGradGuard noGrad;
    const auto fa = features(a), fb = features(b);
    auto total = torch::zeros({a.size(0)}, fa[0].options());
    for (std::size_t k = 0; k < fa.size(); ++k) {
        // The lpips package normalises with x / (||x|| + 1e-10).
        const auto na = fa[k] / (fa[k].norm(2, {1}, /*keepdim=*/true) + 1e-10);
        const auto nb = fb[k] / (fb[k].norm(2, {1}, /*keepdim=*/true) + 1e-10);
        total += ((na - nb).square() * m_linear[k]).sum(1).mean({1, 2});
    }
    return total;
}

}  // namespace marionette::train
