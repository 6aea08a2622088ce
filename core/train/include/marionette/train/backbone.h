#pragma once
// The perceptual backbone of the losses (docs/model.md, "Backbone"): a frozen network whose activations the
// perceptual (eq. 15), face (eq. 16), style (eq. 17) and sampling-correctness (eq. 9) terms compare. Two:
//  - VGG-19's convolutional layers up to relu5_2, the paper's choice. Weights come from a user-supplied
//    `vgg19.safetensors` in torchvision's layout (`features.<i>.weight`, converted once with
//    tools/convert_vgg19.py). Without it, the same architecture with fixed random weights: Kaiming-normal
//    (fan-in, ReLU gain) from seed 20211020, zero biases; random features still measure structure and texture,
//    but far less well than ImageNet features.
//  - The MobileNetV2 inside the bundled MoveNet Thunder (models/movenet-thunder/), trained on photos of people
//    and shipped with the product: its activations up to 1/16 of the image, read by the TF.js graph runner
//    with autograd, so that no downloaded network is needed for a perceptual loss.
// Every log, weights file and evaluation report says which backbone was used.
#include <ATen/ATen.h>
#include <c10/core/Device.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace marionette::train {

constexpr std::uint64_t kRandomBackboneSeed = 20211020;

// The layers each loss reads, in the backbone's own names; each role at the scale VGG-19's layer has in the
// paper (a MobileNet has no full-resolution layer: its first is at 1/2).
struct BackboneLayers {
    std::vector<std::string> perceptual;           // eq. 15 and the face term; VGG-19: relu1_1 .. relu5_1
    std::vector<std::string> style;                // eq. 17; VGG-19: relu2_2, relu3_4, relu4_4, relu5_2
    std::string flowS4, flowS8;                    // eq. 9 at 1/4 and 1/8 of the image; VGG-19: relu3_1, relu4_1
    std::vector<std::string> imageLosses() const;  // perceptual and style, each once
};

// Which backbone the trainer builds: `vgg19` (with `path` a torchvision-layout file, or none for random
// features) or `movenet` (with `path` a MoveNet model.json, or none for the bundled Thunder).
struct BackboneChoice {
    enum class Kind { Vgg19, MoveNet };
    Kind kind = Kind::Vgg19;
    std::optional<std::string> path;
};
// "vgg19" or "movenet"; throws marionette::Error naming both for anything else.
BackboneChoice::Kind backboneKindFromString(const std::string& text);

class Backbone {
public:
    virtual ~Backbone() = default;

    // "vgg19-imagenet", "random-vgg19-seed20211020" or "movenet-thunder-mobilenetv2": recorded in weights
    // metadata and reports.
    const std::string& name() const { return m_name; }
    bool pretrained() const { return m_pretrained; }
    const BackboneLayers& layers() const { return m_layers; }

    virtual void to(const c10::Device& device) = 0;
    // Activations [N, C, h, w] of the named layers for images [N, 3, H, W] in [-1, 1]; runs only as deep as
    // the deepest requested layer. Differentiable with respect to the images (the weights are frozen).
    virtual std::map<std::string, at::Tensor> features(const at::Tensor& images,
                                                       const std::vector<std::string>& layers) = 0;

protected:
    std::string m_name;
    bool m_pretrained = false;
    BackboneLayers m_layers;
};

// `used` false: no loss term will read it (no warning about random features).
std::unique_ptr<Backbone> makeBackbone(const BackboneChoice& choice, bool used = true);

class Vgg19Backbone : public Backbone {
public:
    // vgg19Path: a torchvision-layout safetensors file, or nullopt for the random-feature backbone, which is
    // announced with a warning unless `used` is false.
    explicit Vgg19Backbone(const std::optional<std::string>& vgg19Path, bool used = true);
    ~Vgg19Backbone() override;

    void to(const c10::Device& device) override;
    // Images are mapped to ImageNet normalisation first.
    std::map<std::string, at::Tensor> features(const at::Tensor& images,
                                               const std::vector<std::string>& layers) override;

    static const std::vector<std::string>& layerNames();  // the 14 ReLU outputs up to relu5_2

private:
    struct Convolutions;
    std::unique_ptr<Convolutions> m_convs;  // 14 convolutions, torchvision indices in kVgg19Convs
    at::Tensor m_mean, m_std;
};

class MoveNetBackbone : public Backbone {
public:
    // modelJsonPath: a MoveNet Thunder or Lightning model.json (both are MobileNetV2 feature extractors with
    // the same node names); throws marionette::Error when it lacks a layer this backbone reads.
    explicit MoveNetBackbone(const std::string& modelJsonPath);
    ~MoveNetBackbone() override;

    void to(const c10::Device& device) override;
    // The images enter the graph after its Cast to float as pixel values in [0, 255] (NHWC), so that the
    // graph's own normalisation runs; the features come back NCHW.
    std::map<std::string, at::Tensor> features(const at::Tensor& images,
                                               const std::vector<std::string>& layers) override;

    // The ReLU6 outputs this backbone reads, shallow to deep, and the node the images are fed to.
    static const std::vector<std::string>& layerNames();
    static std::string nodeOf(const std::string& layer);
    // After `stack` the graph holds the image as float pixel values [N, H, W, 3]; before it, it unstacks a
    // batch of one, so a batch must enter here. The graph then subtracts its mean and scales.
    static constexpr const char* kEntryNode = "StatefulPartitionedCall/stack";

private:
    struct Graph;
    std::unique_ptr<Graph> m_graph;
};

}  // namespace marionette::train
