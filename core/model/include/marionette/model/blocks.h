#pragma once
// Building blocks of docs/model.md ("Building blocks"). Registration names are the safetensors keys.
// LibTorch's modules/instancenorm.h uses functional::detail::instance_norm without including it.
#include <torch/nn/functional/instancenorm.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "marionette/model/config.h"

namespace marionette::model {

// conv 3x3 -> InstanceNorm (affine) -> LeakyReLU(0.1); stride 2 makes it the "Down" block. With
// Normalization::None: conv 3x3 -> LeakyReLU(0.1) (no `norm` parameters).
class ConvBlockImpl : public torch::nn::Module {
public:
    ConvBlockImpl(int64_t in, int64_t out, int64_t stride = 1, bool activation = true,
                  Normalization normalization = Normalization::Instance);
    torch::Tensor forward(const torch::Tensor& x);
    // Normalisation and activation of a convolution result computed elsewhere (the engine splits the
    // flow estimator's first convolution into a cached reference part and a per-edit target part).
    torch::Tensor normalizeAndActivate(const torch::Tensor& convolved);

    torch::nn::Conv2d conv{nullptr};
    torch::nn::InstanceNorm2d norm{nullptr};  // null without normalisation

private:
    bool m_activation;
};
TORCH_MODULE(ConvBlock);

// The kernels upsampleNearestConv3x3 convolves x with: the four output phases' 2 x 2 kernels [4 out, in, 2, 2]
// and their biases [4 out].
struct FoldedUpsampleKernels {
    torch::Tensor weight, bias;
};

// nearest-neighbour x2 -> ConvBlock.
class UpBlockImpl : public torch::nn::Module {
public:
    UpBlockImpl(int64_t in, int64_t out, Normalization normalization = Normalization::Instance);
    torch::Tensor forward(const torch::Tensor& x);

    ConvBlock block{nullptr};

private:
    // Without autograd the folded kernels are kept until the convolution's weights change (checked by their
    // storage and version counter): folding them is an einsum as costly as a small convolution.
    const FoldedUpsampleKernels& foldedKernels();
    FoldedUpsampleKernels m_folded;
    const void* m_foldedFrom = nullptr;
    int64_t m_foldedVersion = -1;
};
TORCH_MODULE(UpBlock);

// x + ConvBlock(ConvBlock(x)), the second without activation.
class ResBlockImpl : public torch::nn::Module {
public:
    explicit ResBlockImpl(int64_t channels, Normalization normalization = Normalization::Instance);
    torch::Tensor forward(const torch::Tensor& x);

    ConvBlock first{nullptr};
    ConvBlock second{nullptr};
};
TORCH_MODULE(ResBlock);

// ConvBlock c, Down 2c, Down 4c (s4), Down 8c (s8): the shape shared by E_x, E_s, E_r and E_t.
struct EncoderFeatures {
    torch::Tensor s4;  // [N, 4c, H/4, W/4]
    torch::Tensor s8;  // [N, 8c, H/8, W/8]
};

class FeatureEncoderImpl : public torch::nn::Module {
public:
    FeatureEncoderImpl(int64_t in, int64_t width, Normalization normalization = Normalization::Instance);
    EncoderFeatures forward(const torch::Tensor& x);

    ConvBlock stem{nullptr}, down1{nullptr}, down2{nullptr}, down3{nullptr};
};
TORCH_MODULE(FeatureEncoder);

// 3x3 convolution, padding 1, with bias.
torch::nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride = 1);
// 1x1 convolution with bias.
torch::nn::Conv2d conv1x1(int64_t in, int64_t out);

// conv3x3(upsample_nearest_x2(x), weight, bias, padding 1), computed on x itself: each of the four output
// phases (row and column parity) reads only a 2 x 2 neighbourhood of x, through a kernel that sums the 3 x 3
// taps landing on the same input pixel. Same result up to float rounding, 4/9 of the multiply-adds, and
// the 4x larger upsampled tensor is never made.
torch::Tensor upsampleNearestConv3x3(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);
torch::Tensor upsampleNearestConv3x3(const torch::Tensor& x, const FoldedUpsampleKernels& kernels);
FoldedUpsampleKernels foldUpsampleKernels(const torch::Tensor& weight, const torch::Tensor& bias);

// InstanceNorm2d (affine, biased variance over each channel's pixels) of `x` with `norm`'s scale and shift.
// Written as a group norm with one channel per group, which is the same function and runs 2-3x faster on
// the CPU than LibTorch's instance_norm (it reshapes to a batch norm over N*C channels).
torch::Tensor instanceNorm(const torch::Tensor& x, const torch::nn::InstanceNorm2d& norm);

}  // namespace marionette::model
