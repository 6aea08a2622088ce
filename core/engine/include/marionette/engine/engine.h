#pragma once
// A loaded network on a device, with the reference cache and on-request maps (docs/model.md, "The engine").
//
// Usage:
//   engine::Engine engine("models/body.safetensors", {engine::Device::Auto, /*threads=*/2});
//   engine.prepare(referenceImage, referenceSemantics);   // once per photo: [3,H,W] in [-1,1], [P,H,W]
//   auto result = engine.synthesize(targetSemantics, maps); // per edit
//
// Threading: an Engine is used by one thread at a time (the editor's inference worker owns it). Weights
// loaded once (the Engine) are kept apart from the per-reference state (its ReferenceCache).
#include "marionette/engine/device.h"
#include "marionette/model/generator.h"
#include "marionette/model/weights.h"
#include "marionette/util/geometry.h"
#include "marionette/util/stage_timer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace marionette::engine {

struct EngineOptions {
    Device device = Device::Auto;
    int threads = 0;  // CPU threads for LibTorch; 0: one per processor core (cpu_threads::defaultThreadCount)
    // On CUDA, record the per-edit path as a CUDA graph after prepare() and replay it for edits that ask for
    // no maps (falls back to running eagerly, with a warning, where recording fails).
    bool cudaGraph = true;
    // On CUDA, fp16 weights and activations (attention logits, softmax and sampling grids stay fp32). Converts
    // the generator in place. Ignored, with a warning, on the CPU.
    bool half = false;
};

class CapturedSynthesis;

// Which maps to return with a synthesis (all at the canvas size, on the CPU).
struct MapRequest {
    bool flow = false;             // w4 in canvas pixels, [2, H, W] (with a flow prior: prior + residual at the canvas)
    bool combination = false;      // m4, [H, W]; 1 = attention chosen
    bool attentionWarped = false;  // W_a(x_r down, C4) upsampled, [3, H, W]
    bool flowWarped = false;       // W_f(x_r down, w4) upsampled, [3, H, W]
    bool visibility = false;       // a flow prior's V, [H, W]; 1 = the warped reference, 0 = the decoder's image
    std::optional<Point2> attentionPoint;  // target canvas pixel: its column of C4 over the reference, [H, W]

    bool any() const {
        return flow || combination || attentionWarped || flowWarped || visibility || attentionPoint.has_value();
    }
};

struct SynthesisResult {
    at::Tensor image;  // [3, H, W] in [-1, 1], CPU float32
    at::Tensor flow, combination, attention, attentionWarped, flowWarped, visibility;  // as requested, else undefined
    std::vector<StageTiming> timings;                                                  // per stage, milliseconds
    double totalMilliseconds = 0.0;
};

class Engine {
public:
    // Loads a weights file onto the chosen device. A CUDA request without CUDA is an error; Auto takes
    // CUDA when LibTorch has it and a device is present.
    explicit Engine(const std::string& weightsPath, const EngineOptions& options = {});
    // Uses an existing generator (for example randomly initialised weights in benchmarks).
    Engine(model::Generator generator, const EngineOptions& options, std::string trainingJson = "{}");
    ~Engine();
    Engine(Engine&&) noexcept;
    Engine& operator=(Engine&&) noexcept;

    const model::ModelConfig& config() const { return m_generator->config(); }
    const std::string& trainingJson() const { return m_trainingJson; }
    std::string deviceName() const;
    bool onCuda() const { return m_device.is_cuda(); }
    bool halfPrecision() const { return m_dtype == at::kHalf; }
    bool isPrepared() const { return m_prepared; }
    // Whether edits without maps replay a recorded CUDA graph (known after the first such edit).
    bool replaysCudaGraph() const { return m_graph != nullptr; }

    // Computes and caches everything that depends only on the reference (k4, k8, f_r4, f_r8, the
    // downsampled reference, the reference part of F's first convolution).
    void prepare(const at::Tensor& referenceImage, const at::Tensor& referenceSemantics);
    // Runs only the per-edit part. Throws marionette::Error before prepare().
    SynthesisResult synthesize(const at::Tensor& targetSemantics, const MapRequest& maps = {});
    // The same for a model with a flow prior (config().usesFlowPrior(), model.md "Flow prior"): `flowPrior` is
    // the geometric warp's backward flow at the canvas, [2, H, W] in canvas pixels (target -> reference, as
    // model::FlowPrior). Such a model refuses a synthesis without it, other models refuse one with it.
    SynthesisResult synthesize(const at::Tensor& targetSemantics, const at::Tensor& flowPrior, const MapRequest& maps);
    // The network's fast stand-in for synthesize(): the full-resolution reference moved by the flow w4 alone
    // (flow variants), or the reference at s4 moved by the attention C4 alone, upsampled (attention variant).
    // Skips the target encoder, G's warps and the decoder. Models with neither have no cheaper path:
    // hasPreview() is false and preview() synthesises. The editor's drag preview is the skeleton's or the
    // landmarks' geometric warp (core/edit); this is its fallback where the landmarks give no spline.
    SynthesisResult preview(const at::Tensor& targetSemantics);
    // A model with a flow prior has none: its flow needs the prior (the editor's own warp is its preview).
    bool hasPreview() const { return (config().usesFlow() || config().usesAttention()) && !config().usesFlowPrior(); }

private:
    Engine(model::LoadedGenerator loaded, const EngineOptions& options);
    void checkImage(const at::Tensor& t, int64_t channels, const char* what) const;
    // Whether this edit can replay the recorded CUDA graph; records it on the first such edit after prepare().
    bool replayable(const at::Tensor& target, const MapRequest& maps);
    void collectMaps(const model::GeneratorOutput& out, const MapRequest& maps, SynthesisResult& result) const;

    model::Generator m_generator{nullptr};
    std::string m_trainingJson;
    c10::Device m_device{c10::kCPU};
    at::ScalarType m_dtype = at::kFloat;  // of the weights and activations
    model::ReferenceEncoding m_reference;
    bool m_prepared = false;
    bool m_useCudaGraph = false;
    std::unique_ptr<CapturedSynthesis> m_graph;  // reads m_generator's and m_reference's memory
};

// Whether this LibTorch build can use CUDA and a device is present.
bool cudaAvailable();
// The LibTorch device a choice resolves to; a CUDA request without CUDA is a clear error.
c10::Device resolveDevice(Device device);

}  // namespace marionette::engine
