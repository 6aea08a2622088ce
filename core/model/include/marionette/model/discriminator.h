#pragma once
// Residual patch discriminator on the image alone, no normalisation (docs/model.md, "Discriminator"):
// conv 3x3 c + LeakyReLU(0.2), 4 residual down blocks (2c, 4c, 8c, 8c), 1x1 conv to a logit map at 1/16.
#include "marionette/model/config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace marionette::model {

// LReLU, conv 3x3, LReLU, conv 4x4 stride 2; shortcut: avg-pool 2 + 1x1 conv.
class DiscriminatorBlockImpl : public torch::nn::Module {
public:
    DiscriminatorBlockImpl(int64_t in, int64_t out);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
};
TORCH_MODULE(DiscriminatorBlock);

class DiscriminatorImpl : public torch::nn::Module {
public:
    explicit DiscriminatorImpl(const ModelConfig& config);
    torch::Tensor forward(const torch::Tensor& image);  // [N, 1, H/16, W/16] logits

    torch::nn::Conv2d stem{nullptr}, logit{nullptr};
    DiscriminatorBlock block1{nullptr}, block2{nullptr}, block3{nullptr}, block4{nullptr};
};
TORCH_MODULE(Discriminator);

}  // namespace marionette::model
