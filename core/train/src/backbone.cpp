#include "marionette/train/backbone.h"

#include "named_tensors.h"

#include "marionette/model/safetensors.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <torch/torch.h>

namespace marionette::train {
namespace F = torch::nn::functional;
namespace {

// VGG-19 "features": (index in torchvision's Sequential, in, out, pool before it) for conv1_1 .. conv5_2.
struct Vgg19Conv {
    int index;
    int64_t in, out;
    bool poolBefore;
    const char* relu;
};
constexpr Vgg19Conv kVgg19Convs[] = {
    {0, 3, 64, false, "relu1_1"},     {2, 64, 64, false, "relu1_2"},    {5, 64, 128, true, "relu2_1"},
    {7, 128, 128, false, "relu2_2"},  {10, 128, 256, true, "relu3_1"},  {12, 256, 256, false, "relu3_2"},
    {14, 256, 256, false, "relu3_3"}, {16, 256, 256, false, "relu3_4"}, {19, 256, 512, true, "relu4_1"},
    {21, 512, 512, false, "relu4_2"}, {23, 512, 512, false, "relu4_3"}, {25, 512, 512, false, "relu4_4"},
    {28, 512, 512, true, "relu5_1"},  {30, 512, 512, false, "relu5_2"},
};

}  // namespace

const std::vector<std::string>& Backbone::layerNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& c : kVgg19Convs) n.push_back(c.relu);
        return n;
    }();
    return names;
}

Backbone::Backbone(const std::optional<std::string>& vgg19Path, bool used) {
    torch::NoGradGuard noGrad;
    for (const auto& c : kVgg19Convs) {
        m_convs.push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in, c.out, 3).padding(1)));
    }
    if (vgg19Path) {
        const auto content = model::readSafetensors(*vgg19Path);
        for (std::size_t i = 0; i < m_convs.size(); ++i) {
            const std::string prefix = "features." + std::to_string(kVgg19Convs[i].index) + ".";
            detail::copyNamedTensor(content, *vgg19Path, prefix + "weight", m_convs[i]->weight,
                                    "torchvision's VGG-19 layout");
            detail::copyNamedTensor(content, *vgg19Path, prefix + "bias", m_convs[i]->bias,
                                    "torchvision's VGG-19 layout");
        }
        m_name = "vgg19-imagenet";
        m_pretrained = true;
    } else {
        auto generator = at::make_generator<at::CPUGeneratorImpl>(kRandomBackboneSeed);
        for (auto& conv : m_convs) {
            const double fanIn = static_cast<double>(conv->weight.size(1) * 9);
            conv->weight.normal_(0.0, std::sqrt(2.0 / fanIn), generator);
            conv->bias.zero_();
        }
        m_name = "random-vgg19-seed" + std::to_string(kRandomBackboneSeed);
        if (used)
            log::warning("perceptual backbone: no vgg19.safetensors given, using the fixed random-feature VGG-19 (",
                         m_name,
                         "); perceptual, style and sampling-correctness losses are weaker than with ImageNet weights");
    }
    for (auto& conv : m_convs) {
        conv->weight.set_requires_grad(false);
        conv->bias.set_requires_grad(false);
    }
    m_mean = torch::tensor({0.485f, 0.456f, 0.406f}).view({1, 3, 1, 1});
    m_std = torch::tensor({0.229f, 0.224f, 0.225f}).view({1, 3, 1, 1});
}

void Backbone::to(const c10::Device& device) {
    for (auto& conv : m_convs) conv->to(device);
    m_mean = m_mean.to(device);
    m_std = m_std.to(device);
}

std::map<std::string, at::Tensor> Backbone::features(const at::Tensor& images, const std::vector<std::string>& layers) {
    std::size_t deepest = 0;
    for (const auto& l : layers) {
        const auto& names = layerNames();
        const auto it = std::find(names.begin(), names.end(), l);
        if (it == names.end()) throw Error("unknown backbone layer " + l);
        deepest = std::max(deepest, static_cast<std::size_t>(it - names.begin()));
    }
    std::map<std::string, at::Tensor> out;
    auto x = ((images + 1.0) * 0.5 - m_mean) / m_std;
    for (std::size_t i = 0; i <= deepest; ++i) {
        if (kVgg19Convs[i].poolBefore) x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2).stride(2));
        x = torch::relu(m_convs[i](x));
        if (std::find(layers.begin(), layers.end(), kVgg19Convs[i].relu) != layers.end()) out[kVgg19Convs[i].relu] = x;
    }
    return out;
}

}  // namespace marionette::train
