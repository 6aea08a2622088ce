#include "marionette/edit/repose_session.h"

#include "marionette/edit/synthesis_maps.h"
#include "marionette/engine/engine.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/crop.h"
#include "marionette/image/tensor_image.h"
#include "marionette/model/weights.h"
#include "marionette/pose/heatmap.h"
#include "marionette/util/error.h"

#include <torch/torch.h>

#include <chrono>

namespace marionette::edit {
namespace {

engine::EngineOptions engineOptions(const SessionOptions& o) {
    const auto device = o.device == Device::Cpu    ? engine::DevicePreference::Cpu
                        : o.device == Device::Cuda ? engine::DevicePreference::Cuda
                                                   : engine::DevicePreference::Auto;
    return {device, o.threads};
}

std::unique_ptr<engine::Engine> loadBodyEngine(const std::string& path, const SessionOptions& options) {
    auto engine = std::make_unique<engine::Engine>(path, engineOptions(options));
    if (engine->config().semantics != model::SemanticsKind::Body)
        throw Error(path + ": this weights file is for portraits; open a body model to repose people");
    return engine;
}

bool sameBox(const Box& a, const Box& b) { return a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height; }

}  // namespace

// synthesis_maps.h: defined here, beside its only other user, to keep the files that parse torch few.
MapImages mapImagesOf(const engine::SynthesisResult& r, const cv::Mat& referenceCrop) {
    MapImages maps;
    if (r.flow.defined()) maps.flow = image::flowToColour(r.flow);
    if (r.combination.defined()) maps.combination = image::heatToColour(r.combination, 0.f, 1.f);
    if (r.attention.defined()) {
        // C is a softmax over thousands of positions: scaled to its own maximum and drawn over the darkened
        // reference with its own strength as alpha, so a sharp peak and a diffuse spread both show.
        const auto normalised = r.attention / r.attention.max().clamp_min(1e-12);
        const cv::Mat heat = image::heatToColour(normalised, 0.f, 1.f);
        const auto alpha = normalised.sqrt().contiguous();
        const cv::Mat alphaView(static_cast<int>(alpha.size(0)), static_cast<int>(alpha.size(1)), CV_32FC1, alpha.data_ptr<float>());
        cv::Mat darkened;
        referenceCrop.convertTo(darkened, -1, 0.45);
        maps.attention = image::blendOver(darkened, heat, 1.0f, alphaView.clone());
    }
    if (r.attentionWarped.defined()) maps.attentionWarped = image::tensorToImage(r.attentionWarped);
    if (r.flowWarped.defined()) maps.flowWarped = image::tensorToImage(r.flowWarped);
    return maps;
}

bool cudaAvailable() { return engine::cudaAvailable(); }

struct ReposeSession::State {
    std::unique_ptr<engine::Engine> engine;
    cv::Mat photo;
    pose::Pose reference;
    bool hasPhoto = false;
    std::optional<Box> preparedBox;  // the crop the engine's reference cache holds
    cv::Mat referenceCrop;
    cv::Mat pasteAlpha;
};

ReposeSession::ReposeSession(const std::string& weightsPath, const SessionOptions& options)
    : m_state(std::make_unique<State>()) {
    m_state->engine = loadBodyEngine(weightsPath, options);
}

ReposeSession::ReposeSession(const model::ModelConfig& config, std::uint64_t seed, const SessionOptions& options)
    : m_state(std::make_unique<State>()) {
    if (config.semantics != model::SemanticsKind::Body) throw Error("the editor's random weights must be a body model");
    config.validate();
    torch::manual_seed(seed);
    m_state->engine = std::make_unique<engine::Engine>(model::Generator(config), engineOptions(options),
                                                       R"({"random_init": true})");
}

ReposeSession::~ReposeSession() = default;

const model::ModelConfig& ReposeSession::config() const { return m_state->engine->config(); }
ImageSize ReposeSession::canvas() const { return {config().canvasWidth, config().height}; }
std::string ReposeSession::deviceName() const { return m_state->engine->deviceName(); }
bool ReposeSession::onCuda() const { return m_state->engine->onCuda(); }
bool ReposeSession::hasPreview() const { return m_state->engine->hasPreview(); }
bool ReposeSession::hasPhoto() const { return m_state->hasPhoto; }

void ReposeSession::setPhoto(const cv::Mat& photo, const pose::Pose& reference) {
    if (photo.empty() || photo.type() != CV_8UC3) throw Error("the photo must be an 8-bit colour image");
    if (reference.presentCount() < 2) throw Error("the reference skeleton needs at least two joints");
    m_state->photo = photo;
    m_state->reference = reference;
    m_state->hasPhoto = true;
    m_state->preparedBox.reset();
}

RenderedFrame ReposeSession::render(const RenderRequest& request) {
    if (!m_state->hasPhoto) throw Error("no photo is open");
    const auto start = std::chrono::steady_clock::now();
    State& s = *m_state;
    const ImageSize canvasSize = canvas();
    const ImageSize photoSize{s.photo.cols, s.photo.rows};
    RenderedFrame frame;
    frame.cropBox = reposeCropBox(s.reference, request.target, photoSize, canvasSize);
    const BoxToCanvas toCanvas{frame.cropBox, canvasSize.width, canvasSize.height};
    const auto mapPoint = [&](Point2 p) { return toCanvas.toCanvas(p); };
    if (!s.preparedBox || !sameBox(*s.preparedBox, frame.cropBox)) {
        s.preparedBox.reset();
        s.referenceCrop = image::cropToCanvas(s.photo, frame.cropBox, canvasSize);
        s.engine->prepare(image::imageToTensor(s.referenceCrop),
                          pose::renderHeatmaps(s.reference.mapped(mapPoint), canvasSize.height, canvasSize.width));
        s.pasteAlpha = pasteBackAlpha(frame.cropBox, photoSize, canvasSize);
        s.preparedBox = frame.cropBox;
        frame.prepared = true;
    }
    const auto semantics = pose::renderHeatmaps(request.target.mapped(mapPoint), canvasSize.height, canvasSize.width);
    engine::SynthesisResult result;
    frame.preview = request.preview && s.engine->hasPreview();
    if (frame.preview) {
        result = s.engine->preview(semantics);
    } else {
        engine::MapRequest maps;
        maps.flow = request.maps.flow;
        maps.combination = request.maps.combination;
        maps.attentionWarped = request.maps.attentionWarped;
        maps.flowWarped = request.maps.flowWarped;
        if (request.maps.attentionPoint) maps.attentionPoint = toCanvas.toCanvas(*request.maps.attentionPoint);
        result = s.engine->synthesize(semantics, maps);
        frame.maps = mapImagesOf(result, s.referenceCrop);
    }
    frame.output = image::tensorToImage(result.image);
    frame.referenceCrop = s.referenceCrop;
    frame.pasteAlpha = s.pasteAlpha;
    frame.synthesisMilliseconds = result.totalMilliseconds;
    frame.timings = result.timings;
    frame.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return frame;
}

}  // namespace marionette::edit
