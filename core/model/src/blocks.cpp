#include "marionette/model/blocks.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/upsampling.h>

namespace marionette::model {
namespace F = torch::nn::functional;

torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, /*kernel_size=*/3).stride(stride).padding(1));
}

torch::nn::Conv2d conv1x1(int64_t in, int64_t out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, /*kernel_size=*/1));
}

ConvBlockImpl::ConvBlockImpl(int64_t in, int64_t out, int64_t stride, bool activation)
    : conv(register_module("conv", conv3x3(in, out, stride))),
      norm(register_module("norm", torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(out).affine(true)))),
      m_activation(activation) {}

torch::Tensor ConvBlockImpl::normalizeAndActivate(const torch::Tensor& convolved) {
    auto y = norm(convolved);
    return m_activation ? F::leaky_relu(y, F::LeakyReLUFuncOptions().negative_slope(0.1)) : y;
}

torch::Tensor ConvBlockImpl::forward(const torch::Tensor& x) { return normalizeAndActivate(conv(x)); }

UpBlockImpl::UpBlockImpl(int64_t in, int64_t out) : block(register_module("block", ConvBlock(in, out))) {}

torch::Tensor UpBlockImpl::forward(const torch::Tensor& x) {
    auto up = F::interpolate(x, F::InterpolateFuncOptions()
                                    .scale_factor(std::vector<double>{2.0, 2.0})
                                    .mode(torch::kNearest));
    return block(up);
}

ResBlockImpl::ResBlockImpl(int64_t channels)
    : first(register_module("first", ConvBlock(channels, channels))),
      second(register_module("second", ConvBlock(channels, channels, 1, /*activation=*/false))) {}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x) { return x + second(first(x)); }

FeatureEncoderImpl::FeatureEncoderImpl(int64_t in, int64_t width)
    : stem(register_module("stem", ConvBlock(in, width))),
      down1(register_module("down1", ConvBlock(width, 2 * width, 2))),
      down2(register_module("down2", ConvBlock(2 * width, 4 * width, 2))),
      down3(register_module("down3", ConvBlock(4 * width, 8 * width, 2))) {}

EncoderFeatures FeatureEncoderImpl::forward(const torch::Tensor& x) {
    EncoderFeatures f;
    f.s4 = down2(down1(stem(x)));
    f.s8 = down3(f.s4);
    return f;
}

}  // namespace marionette::model
