#pragma once
// The perceptual backbone of the losses (docs/model.md, "Backbone"): VGG-19's convolutional layers up to
// relu5_2, frozen. Weights come from a user-supplied `vgg19.safetensors` in torchvision's layout
// (`features.<i>.weight`, converted once with tools/convert_vgg19.py). Without it, the same architecture
// with fixed random weights: Kaiming-normal (fan-in, ReLU gain) from seed 20211020, zero biases. Random
// convolutional features still measure structure and texture, but far less well than ImageNet features;
// every log, weights file and evaluation report says which backbone was used.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace marionette::train {

constexpr std::uint64_t kRandomBackboneSeed = 20211020;

class Backbone {
public:
    // vgg19Path: a torchvision-layout safetensors file, or nullopt for the random-feature backbone, which is
    // announced with a warning unless `used` says no loss term will read it.
    explicit Backbone(const std::optional<std::string>& vgg19Path, bool used = true);

    // "vgg19-imagenet" or "random-vgg19-seed20211020": recorded in weights metadata and reports.
    const std::string& name() const { return m_name; }
    bool pretrained() const { return m_pretrained; }
    void to(const c10::Device& device);

    // Activations ("relu1_1" ... "relu5_2") of images in [-1, 1], mapped to ImageNet normalisation first.
    // Runs only as deep as the deepest requested layer.
    std::map<std::string, at::Tensor> features(const at::Tensor& images, const std::vector<std::string>& layers);

    static const std::vector<std::string>& layerNames();  // the 14 ReLU outputs up to relu5_2

private:
    std::vector<torch::nn::Conv2d> m_convs;  // 14 convolutions, torchvision indices in kConvIndices
    std::string m_name;
    bool m_pretrained = false;
    at::Tensor m_mean, m_std;
};

}  // namespace marionette::train
