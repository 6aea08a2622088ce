#include "marionette/engine/engine.h"

#include "captured_synthesis.h"

#include "marionette/model/warps.h"
#include "marionette/model/weights.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"
#include "marionette/util/torch_compat.h"

#include <torch/cuda.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/types.h>

namespace marionette::engine {
namespace F = torch::nn::functional;
namespace {

at::Tensor upsampleTo(const at::Tensor& x, int64_t h, int64_t w) {
    return F::interpolate(
        x, F::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear).align_corners(false));
}

model::LoadedGenerator loadWithContext(const std::string& weightsPath) {
    try {
        return model::loadGeneratorWeights(weightsPath);
    } catch (const Error& e) {
        rethrowWithContext("cannot load the weights", e);
    }
}

}  // namespace

bool cudaAvailable() { return torch::cuda::is_available(); }

c10::Device resolveDevice(Device device) {
    switch (device) {
        case Device::Cpu:
            return c10::kCPU;
        case Device::Cuda:
            if (!cudaAvailable())
                throw Error(
                    "CUDA was requested but is not available: this build of LibTorch has no CUDA support or no "
                    "CUDA device is present; choose the CPU instead");
            return c10::Device(c10::kCUDA, 0);
        case Device::Auto:
            return cudaAvailable() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    }
    return c10::kCPU;
}

Engine::Engine(const std::string& weightsPath, const EngineOptions& options)
    : Engine(loadWithContext(weightsPath), options) {}

Engine::Engine(model::LoadedGenerator loaded, const EngineOptions& options)
    : Engine(std::move(loaded.generator), options, std::move(loaded.trainingJson)) {}

Engine::Engine(model::Generator generator, const EngineOptions& options, std::string trainingJson)
    : m_generator(std::move(generator)),
      m_trainingJson(std::move(trainingJson)),
      m_device(resolveDevice(options.device)),
      m_useCudaGraph(options.cudaGraph && m_device.is_cuda() && CapturedSynthesis::available()) {
    cpu_threads::configure(options.threads);
    m_generator->eval();
    if (options.half && m_device.is_cuda())
        m_dtype = at::kHalf;
    else if (options.half)
        log::warning("fp16 inference is for CUDA: the CPU computes in fp32");
    m_generator->to(m_device, m_dtype);
    log::info("engine: ", model::toString(config().semantics), " model, c = ", config().width, ", ", config().height,
              " x ", config().canvasWidth, ", deformation ", model::toString(config().deformation), ", on ",
              deviceName(), ", LibTorch ", torch_compat::versionString());
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

std::string Engine::deviceName() const {
    if (!m_device.is_cuda()) {
        const int threads = torch::get_num_threads();
        return "CPU (" + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
    }
    return "CUDA:" + std::to_string(m_device.index()) + (m_dtype == at::kHalf ? ", fp16" : "");
}

void Engine::checkImage(const at::Tensor& t, int64_t channels, const char* what) const {
    if (t.dim() != 3 || t.size(0) != channels || t.size(1) != config().height || t.size(2) != config().canvasWidth) {
        throw Error(std::string(what) + " must be [" + std::to_string(channels) + ", " +
                    std::to_string(config().height) + ", " + std::to_string(config().canvasWidth) + "] for this model");
    }
}

void Engine::prepare(const at::Tensor& referenceImage, const at::Tensor& referenceSemantics) {
    checkImage(referenceImage, 3, "the reference image");
    checkImage(referenceSemantics, config().semanticChannels(), "the reference semantics");
    torch_compat::InferenceGuard inference;
    m_prepared = false;
    m_graph.reset();  // it reads the old reference's memory
    m_reference = m_generator->encodeReference(referenceImage.to(m_device, m_dtype).unsqueeze(0),
                                               referenceSemantics.to(m_device, m_dtype).unsqueeze(0));
    m_prepared = true;
}

SynthesisResult Engine::synthesize(const at::Tensor& targetSemantics, const MapRequest& maps) {
    return synthesize(targetSemantics, at::Tensor(), maps);
}

SynthesisResult Engine::synthesize(const at::Tensor& targetSemantics, const at::Tensor& flowPrior,
                                   const MapRequest& maps) {
    if (!m_prepared) throw Error("no reference photo is prepared: call prepare() first");
    checkImage(targetSemantics, config().semanticChannels(), "the target semantics");
    if (flowPrior.defined()) checkImage(flowPrior, 2, "the flow prior");
    if (config().usesFlowPrior() && !flowPrior.defined())
        throw Error("this model refines a flow prior: give the synthesis the geometric warp's flow at the canvas");
    torch_compat::InferenceGuard inference;
    StageTimer timer(m_device.is_cuda() ? std::function<void()>([] { torch::cuda::synchronize(); })
                                        : std::function<void()>());
    SynthesisResult result;
    at::Tensor target;
    {
        StageTimer::Stage upload(&timer, "upload");
        target = targetSemantics.to(m_device, m_dtype).unsqueeze(0);
    }
    model::GeneratorOutput out;
    if (flowPrior.defined()) {  // not recorded as a CUDA graph: the graph's only input is the target
        const auto prior = model::flowPriorFromCanvas(flowPrior.to(m_device, m_dtype).unsqueeze(0));
        out = m_generator->synthesize(m_reference, target, prior, &timer);
    } else if (replayable(target, maps)) {
        StageTimer::Stage replay(&timer, "graph replay");
        out.image = m_graph->run(target);
    } else {
        out = m_generator->synthesize(m_reference, target, &timer);
    }
    {
        StageTimer::Stage download(&timer, "maps + download");
        result.image = out.image.squeeze(0).to(at::kCPU, at::kFloat);
        collectMaps(out, maps, result);
    }
    result.timings = timer.timings();
    result.totalMilliseconds = timer.total();
    return result;
}

bool Engine::replayable(const at::Tensor& target, const MapRequest& maps) {
    if (!m_useCudaGraph || maps.any()) return false;  // maps need the eager path's intermediate results
    if (!m_graph) {
        try {
            m_graph = std::make_unique<CapturedSynthesis>(*m_generator, m_reference, target);
        } catch (const std::exception& e) {
            log::warning("recording the edit as a CUDA graph failed (", e.what(), "); running it eagerly");
            m_useCudaGraph = false;
        }
    }
    return m_graph != nullptr;
}

SynthesisResult Engine::preview(const at::Tensor& targetSemantics) {
    if (!hasPreview()) return synthesize(targetSemantics);
    if (!m_prepared) throw Error("no reference photo is prepared: call prepare() first");
    checkImage(targetSemantics, config().semanticChannels(), "the target semantics");
    torch_compat::InferenceGuard inference;
    StageTimer timer(m_device.is_cuda() ? std::function<void()>([] { torch::cuda::synchronize(); })
                                        : std::function<void()>());
    const int64_t h = config().height, w = config().canvasWidth;
    SynthesisResult result;
    at::Tensor image;
    {
        StageTimer::Stage stage(&timer, "preview");
        const auto target = targetSemantics.to(m_device, m_dtype).unsqueeze(0);
        if (config().usesFlow()) {
            const auto flows = m_generator->flow(m_reference.flowReferenceTerm + m_generator->flow->targetTerm(target));
            // w4 is in s4 pixels; at the canvas it is four times longer (docs/model.md).
            image = model::warpFlow(m_reference.image, upsampleTo(flows.second, h, w) * 4.0);
        } else {
            const auto queries = m_generator->queryEncoder(target);
            const auto attention = model::attentionMatrix(m_reference.keys4, queries.s4);  // C4 (eq. 1-2)
            image = upsampleTo(model::warpAttention(m_reference.image4, attention, h / 4, w / 4), h, w);
        }
    }
    {
        StageTimer::Stage download(&timer, "maps + download");
        result.image = image.squeeze(0).to(at::kCPU, at::kFloat);
    }
    result.timings = timer.timings();
    result.totalMilliseconds = timer.total();
    return result;
}

void Engine::collectMaps(const model::GeneratorOutput& out, const MapRequest& maps, SynthesisResult& result) const {
    if (!maps.any()) return;
    const int64_t h = config().height, w = config().canvasWidth;
    auto toCpu = [](const at::Tensor& t) { return t.squeeze(0).to(at::kCPU, at::kFloat).contiguous(); };
    if (maps.flow && out.flowCanvas.defined())
        result.flow = toCpu(out.flowCanvas);  // flow prior: already canvas pixels
    else if (maps.flow && out.flow4.defined())
        result.flow = toCpu(upsampleTo(out.flow4, h, w) * 4.0);  // s4 pixels -> canvas pixels
    if (maps.combination && out.mask4.defined()) result.combination = toCpu(upsampleTo(out.mask4, h, w)).squeeze(0);
    if (maps.attentionWarped && out.attentionWarped4.defined())
        result.attentionWarped = toCpu(upsampleTo(out.attentionWarped4, h, w));
    if (maps.flowWarped && out.flowWarped4.defined()) result.flowWarped = toCpu(upsampleTo(out.flowWarped4, h, w));
    if (maps.visibility && out.visibility.defined()) result.visibility = toCpu(out.visibility).squeeze(0);
    if (maps.attentionPoint && out.attention4.defined()) {
        // Column j of C4: how much each reference position contributes to target position j.
        const int64_t h4 = h / 4, w4 = w / 4;
        const int64_t col = std::clamp<int64_t>(static_cast<int64_t>(maps.attentionPoint->x / 4.0f), 0, w4 - 1);
        const int64_t row = std::clamp<int64_t>(static_cast<int64_t>(maps.attentionPoint->y / 4.0f), 0, h4 - 1);
        const auto column = out.attention4.select(2, row * w4 + col).view({1, 1, h4, w4});
        result.attention = toCpu(upsampleTo(column, h, w)).squeeze(0);
    }
}

}  // namespace marionette::engine
