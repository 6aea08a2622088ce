#include "marionette/model/blocks.h"

#include <ATen/core/grad_mode.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/normalization.h>

namespace marionette::model {
namespace F = torch::nn::functional;

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, /*kernel_size=*/3).stride(stride).padding(1));
}

torch::nn::Conv2d conv1x1(int64_t in, int64_t out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, /*kernel_size=*/1));
}

ConvBlockImpl::ConvBlockImpl(int64_t in, int64_t out, int64_t stride, bool activation, Normalization normalization)
    : conv(register_module("conv", conv3x3(in, out, stride))), m_activation(activation) {
    if (normalization == Normalization::Instance)
        norm = register_module("norm", torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(out).affine(true)));
}

torch::Tensor instanceNorm(const torch::Tensor& x, const torch::nn::InstanceNorm2d& norm) {
    const auto& options = norm->options;
    return F::group_norm(
        x, F::GroupNormFuncOptions(options.num_features()).weight(norm->weight).bias(norm->bias).eps(options.eps()));
}

FoldedUpsampleKernels foldUpsampleKernels(const torch::Tensor& weight, const torch::Tensor& bias) {
    const int64_t out = weight.size(0), in = weight.size(1);
    // Upsampled rows 2i-1, 2i, 2i+1 (even output row 2i) are input rows i-1, i, i: taps (W0, W1 + W2) on rows
    // (i-1, i). Odd output row 2i+1 reads rows i, i, i+1: taps (W0 + W1, W2) on rows (i, i+1). Same for columns.
    const auto fold =
        torch::tensor({1.f, 0.f, 0.f, 0.f, 1.f, 1.f, 1.f, 1.f, 0.f, 0.f, 0.f, 1.f}, weight.options().dtype(at::kFloat))
            .view({2, 2, 3})
            .to(weight.scalar_type());  // [parity, tap, 3x3 index]
    return {at::einsum("ark,oikl,bsl->aboirs", {fold, weight, fold}).reshape({4 * out, in, 2, 2}),
            bias.defined() ? bias.repeat({4}) : bias};
}

torch::Tensor upsampleNearestConv3x3(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
    return upsampleNearestConv3x3(x, foldUpsampleKernels(weight, bias));
}

torch::Tensor upsampleNearestConv3x3(const torch::Tensor& x, const FoldedUpsampleKernels& kernels) {
    const int64_t n = x.size(0), h = x.size(2), w = x.size(3), out = kernels.weight.size(0) / 4;
    // Padding 1 and a 2 x 2 kernel: output row o reads input rows o-1 and o, so parity 0 is rows 0..h-1 of the
    // result and parity 1 rows 1..h.
    const auto phases = F::conv2d(x, kernels.weight, F::Conv2dFuncOptions().bias(kernels.bias).padding(1));
    auto result = at::empty({n, out, 2 * h, 2 * w}, phases.options());
    auto interleaved = result.view({n, out, h, 2, w, 2});
    for (int64_t a = 0; a < 2; ++a) {
        for (int64_t b = 0; b < 2; ++b) {
            interleaved.select(5, b).select(3, a).copy_(
                phases.narrow(1, (2 * a + b) * out, out).narrow(2, a, h).narrow(3, b, w));
        }
    }
    return result;
}

torch::Tensor ConvBlockImpl::normalizeAndActivate(const torch::Tensor& convolved) {
    auto y = norm.is_empty() ? convolved : instanceNorm(convolved, norm);
    return m_activation ? F::leaky_relu(y, F::LeakyReLUFuncOptions().negative_slope(0.1)) : y;
}

torch::Tensor ConvBlockImpl::forward(const torch::Tensor& x) { return normalizeAndActivate(conv(x)); }

UpBlockImpl::UpBlockImpl(int64_t in, int64_t out, Normalization normalization)
    : block(register_module("block", ConvBlock(in, out, 1, true, normalization))) {}

const FoldedUpsampleKernels& UpBlockImpl::foldedKernels() {
    const auto& weight = block->conv->weight;
    if (!m_folded.weight.defined() || m_foldedFrom != weight.data_ptr() || m_foldedVersion != weight._version() ||
        m_folded.weight.device() != weight.device()) {
        m_folded = foldUpsampleKernels(weight, block->conv->bias);
        m_foldedFrom = weight.data_ptr();
        m_foldedVersion = weight._version();
    }
    return m_folded;
}

torch::Tensor UpBlockImpl::forward(const torch::Tensor& x) {
    if (at::GradMode::is_enabled())  // training: the folding must stay in the autograd graph
        return block->normalizeAndActivate(upsampleNearestConv3x3(x, block->conv->weight, block->conv->bias));
    return block->normalizeAndActivate(upsampleNearestConv3x3(x, foldedKernels()));
}

ResBlockImpl::ResBlockImpl(int64_t channels, Normalization normalization)
    : first(register_module("first", ConvBlock(channels, channels, 1, true, normalization))),
      second(register_module("second", ConvBlock(channels, channels, 1, /*activation=*/false, normalization))) {}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x) { return x + second(first(x)); }

FeatureEncoderImpl::FeatureEncoderImpl(int64_t in, int64_t width, Normalization normalization)
    : stem(register_module("stem", ConvBlock(in, width, 1, true, normalization))),
      down1(register_module("down1", ConvBlock(width, 2 * width, 2, true, normalization))),
      down2(register_module("down2", ConvBlock(2 * width, 4 * width, 2, true, normalization))),
      down3(register_module("down3", ConvBlock(4 * width, 8 * width, 2, true, normalization))) {}

EncoderFeatures FeatureEncoderImpl::forward(const torch::Tensor& x) {
    EncoderFeatures f;
    f.s4 = down2(down1(stem(x)));
    f.s8 = down3(f.s4);
    return f;
}

}  // namespace marionette::model
