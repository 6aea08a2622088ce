#include "marionette/train/backbone.h"

#include "named_tensors.h"

#include "marionette/graph/graph_executor.h"
#include "marionette/model/safetensors.h"
#include "marionette/util/bundled_files.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <set>

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

// MobileNetV2's ReLU6 outputs in MoveNet's graph, shallow to deep: the first convolution and the expansion of
// inverted residual blocks (the wide, rectified activations, as VGG's ReLU outputs are). Thunder's network is
// 1.75 times as wide as the standard MobileNetV2.
constexpr const char* kMoveNetLayerPrefix =
    "StatefulPartitionedCall/center_net_mobile_net_v2fpn_feature_extractor/model_1/model/";
constexpr const char* kMoveNetLayers[] = {
    "Conv1_relu",           // 1/2, 56 channels in Thunder
    "block_1_expand_relu",  // 1/2, 192
    "block_2_expand_relu",  // 1/4, 240
    "block_3_expand_relu",  // 1/4, 240
    "block_4_expand_relu",  // 1/8, 336
    "block_6_expand_relu",  // 1/8, 336
    "block_7_expand_relu",  // 1/16, 672
    "block_10_expand_relu"  // 1/16, 672
};

std::size_t depthOf(const std::vector<std::string>& names, const std::string& layer, const std::string& backbone) {
    const auto it = std::find(names.begin(), names.end(), layer);
    if (it == names.end()) throw Error("the " + backbone + " backbone has no layer " + layer);
    return static_cast<std::size_t>(it - names.begin());
}

}  // namespace

std::vector<std::string> BackboneLayers::imageLosses() const {
    std::set<std::string> names(perceptual.begin(), perceptual.end());
    names.insert(style.begin(), style.end());
    return {names.begin(), names.end()};
}

BackboneChoice::Kind backboneKindFromString(const std::string& text) {
    if (text == "vgg19") return BackboneChoice::Kind::Vgg19;
    if (text == "movenet") return BackboneChoice::Kind::MoveNet;
    throw Error("unknown perceptual backbone '" + text + "': expected vgg19 or movenet");
}

std::unique_ptr<Backbone> makeBackbone(const BackboneChoice& choice, bool used) {
    if (choice.kind == BackboneChoice::Kind::MoveNet)
        return std::make_unique<MoveNetBackbone>(choice.path ? *choice.path
                                                             : bundled::modelPath("movenet-thunder/model.json"));
    return std::make_unique<Vgg19Backbone>(choice.path, used);
}

struct Vgg19Backbone::Convolutions {
    std::vector<torch::nn::Conv2d> layers;
};

const std::vector<std::string>& Vgg19Backbone::layerNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& c : kVgg19Convs) n.push_back(c.relu);
        return n;
    }();
    return names;
}

Vgg19Backbone::Vgg19Backbone(const std::optional<std::string>& vgg19Path, bool used)
    : m_convs(std::make_unique<Convolutions>()) {
    m_layers.perceptual = {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"};
    m_layers.style = {"relu2_2", "relu3_4", "relu4_4", "relu5_2"};
    m_layers.flowS4 = "relu3_1";
    m_layers.flowS8 = "relu4_1";
    torch::NoGradGuard noGrad;
    for (const auto& c : kVgg19Convs) {
        m_convs->layers.push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(c.in, c.out, 3).padding(1)));
    }
    if (vgg19Path) {
        const auto content = model::readSafetensors(*vgg19Path);
        for (std::size_t i = 0; i < m_convs->layers.size(); ++i) {
            const std::string prefix = "features." + std::to_string(kVgg19Convs[i].index) + ".";
            detail::copyNamedTensor(content, *vgg19Path, prefix + "weight", m_convs->layers[i]->weight,
                                    "torchvision's VGG-19 layout");
            detail::copyNamedTensor(content, *vgg19Path, prefix + "bias", m_convs->layers[i]->bias,
                                    "torchvision's VGG-19 layout");
        }
        m_name = "vgg19-imagenet";
        m_pretrained = true;
    } else {
        auto generator = at::make_generator<at::CPUGeneratorImpl>(kRandomBackboneSeed);
        for (auto& conv : m_convs->layers) {
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
    for (auto& conv : m_convs->layers) {
        conv->weight.set_requires_grad(false);
        conv->bias.set_requires_grad(false);
    }
    m_mean = torch::tensor({0.485f, 0.456f, 0.406f}).view({1, 3, 1, 1});
    m_std = torch::tensor({0.229f, 0.224f, 0.225f}).view({1, 3, 1, 1});
}

Vgg19Backbone::~Vgg19Backbone() = default;

void Vgg19Backbone::to(const c10::Device& device) {
    for (auto& conv : m_convs->layers) conv->to(device);
    m_mean = m_mean.to(device);
    m_std = m_std.to(device);
}

std::map<std::string, at::Tensor> Vgg19Backbone::features(const at::Tensor& images,
                                                          const std::vector<std::string>& layers) {
    std::size_t deepest = 0;
    for (const auto& l : layers) deepest = std::max(deepest, depthOf(layerNames(), l, "VGG-19"));
    std::map<std::string, at::Tensor> out;
    auto x = ((images + 1.0) * 0.5 - m_mean) / m_std;
    for (std::size_t i = 0; i <= deepest; ++i) {
        if (kVgg19Convs[i].poolBefore) x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2).stride(2));
        x = torch::relu(m_convs->layers[i](x));
        if (std::find(layers.begin(), layers.end(), kVgg19Convs[i].relu) != layers.end()) out[kVgg19Convs[i].relu] = x;
    }
    return out;
}

// The graph model as read (constants on the CPU) and the executor prepared from it on the current device.
struct MoveNetBackbone::Graph {
    graph::GraphModel model;
    std::unique_ptr<graph::GraphExecutor> executor;
};

const std::vector<std::string>& MoveNetBackbone::layerNames() {
    static const std::vector<std::string> names(std::begin(kMoveNetLayers), std::end(kMoveNetLayers));
    return names;
}

std::string MoveNetBackbone::nodeOf(const std::string& layer) {
    return std::string(kMoveNetLayerPrefix) + layer + "/Relu6";
}

MoveNetBackbone::MoveNetBackbone(const std::string& modelJsonPath) : m_graph(std::make_unique<Graph>()) {
    m_graph->model = graph::readGraphModel(modelJsonPath);
    if (!m_graph->model.findNode(kEntryNode))
        throwFileError(modelJsonPath,
                       std::string("not a MoveNet single-pose graph: it has no node '") + kEntryNode + "'");
    for (const auto& layer : layerNames())
        if (!m_graph->model.findNode(nodeOf(layer)))
            throwFileError(modelJsonPath, "not a MoveNet MobileNetV2 graph: it has no layer " + layer);
    m_graph->executor = std::make_unique<graph::GraphExecutor>(m_graph->model);
    // Each role at the scale of VGG-19's layer in the paper, one scale coarser where MobileNet has none.
    m_layers.perceptual = {"Conv1_relu", "block_1_expand_relu", "block_2_expand_relu", "block_4_expand_relu",
                           "block_7_expand_relu"};
    m_layers.style = {"block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu", "block_10_expand_relu"};
    m_layers.flowS4 = "block_3_expand_relu";
    m_layers.flowS8 = "block_6_expand_relu";
    // Named after its folder: models/movenet-thunder/ gives "movenet-thunder-mobilenetv2".
    const std::string folder = std::filesystem::path(modelJsonPath).parent_path().filename().string();
    m_name = (folder.rfind("movenet", 0) == 0 ? folder : std::string("movenet")) + "-mobilenetv2";
    m_pretrained = true;
}

MoveNetBackbone::~MoveNetBackbone() = default;

void MoveNetBackbone::to(const c10::Device& device) {
    // The executor's kernels hold their converted weights: prepare them again from constants on the device.
    graph::GraphModel onDevice = m_graph->model;
    for (auto& [name, value] : onDevice.constants) value = value.to(device);
    m_graph->executor = std::make_unique<graph::GraphExecutor>(std::move(onDevice));
}

std::map<std::string, at::Tensor> MoveNetBackbone::features(const at::Tensor& images,
                                                            const std::vector<std::string>& layers) {
    std::vector<std::string> nodes;
    for (const auto& l : layers) {
        depthOf(layerNames(), l, "MoveNet");
        nodes.push_back(nodeOf(l));
    }
    const at::Tensor pixels = ((images.to(at::kFloat) + 1.0) * 127.5).permute({0, 2, 3, 1});
    const auto values = m_graph->executor->run({{kEntryNode, pixels}}, nodes, graph::GraphExecutor::Gradients::On);
    std::map<std::string, at::Tensor> out;
    for (std::size_t i = 0; i < layers.size(); ++i) out[layers[i]] = values[i].permute({0, 3, 1, 2});
    return out;
}

}  // namespace marionette::train
