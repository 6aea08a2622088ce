#include "marionette/model/discriminator.h"

#include "marionette/model/blocks.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>

namespace marionette::model {
namespace F = torch::nn::functional;
namespace {

torch::Tensor lrelu(const torch::Tensor& x) { return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)); }

}  // namespace

DiscriminatorBlockImpl::DiscriminatorBlockImpl(int64_t in, int64_t out)
    : conv1(register_module("conv1", conv3x3(in, out))),
      conv2(register_module(
          "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, /*kernel_size=*/4).stride(2).padding(1)))),
      skip(register_module("skip", conv1x1(in, out))) {}

torch::Tensor DiscriminatorBlockImpl::forward(const torch::Tensor& x) {
    const auto residual = conv2(lrelu(conv1(lrelu(x))));
    const auto shortcut = skip(F::avg_pool2d(x, F::AvgPool2dFuncOptions(2)));
    return residual + shortcut;
}

DiscriminatorImpl::DiscriminatorImpl(const ModelConfig& config) {
    const int64_t c = config.width;
    stem = register_module("stem", conv3x3(3, c));
    block1 = register_module("block1", DiscriminatorBlock(c, 2 * c));
    block2 = register_module("block2", DiscriminatorBlock(2 * c, 4 * c));
    block3 = register_module("block3", DiscriminatorBlock(4 * c, 8 * c));
    block4 = register_module("block4", DiscriminatorBlock(8 * c, 8 * c));
    logit = register_module("logit", conv1x1(8 * c, 1));
}

torch::Tensor DiscriminatorImpl::forward(const torch::Tensor& image) {
    return logit(block4(block3(block2(block1(lrelu(stem(image)))))));
}

}  // namespace marionette::model
