#pragma once
// The training loop of docs/model.md ("Training schedule"): stage 1 trains the deformation estimation module
// with attn + flow + regu; stage 2 trains everything with all losses and a discriminator. Adam, EMA of
// the generator, checkpoints that resume at the same step, a CSV of losses.
//
// Usage:
//   Trainer trainer(options, dataset);
//   trainer.run();                       // returns at the last step or when stop is requested
//   trainer.exportWeights("body.safetensors");
#include "marionette/engine/device.h"
#include "marionette/model/discriminator.h"
#include "marionette/model/generator.h"
#include "marionette/model/safetensors.h"
#include "marionette/train/backbone.h"
#include "marionette/train/data.h"
#include "marionette/train/losses.h"

#include <torch/optim/adam.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace marionette::train {

struct TrainOptions {
    model::ModelConfig model;
    int stage1Steps = 1000;   // deformation pretraining
    int stage2Steps = 10000;  // end-to-end
    int batchSize = 4;
    double learningRate = 1e-4;  // Adam, betas (0.5, 0.999)
    double discriminatorLearningRate = 1e-5;
    double emaDecay = 0.999;
    double clipGradNorm = 0.0;    // 0: no clipping
    bool mixedPrecision = false;  // bf16 autocast, CUDA only
    LossWeights weights;
    engine::Device device = engine::Device::Auto;
    int threads = 0;  // CPU threads; 0: one per processor core
    int loaderWorkers = 2;
    std::uint64_t seed = 1;
    std::string runDirectory = "runs/train";
    int checkpointEvery = 200;      // steps; also on stop requests
    double timeLimitSeconds = 0.0;  // > 0: stop (with a checkpoint) after the first step that reaches this wall time
    int keepCheckpoints = 3;
    int logEvery = 10;           // CSV rows
    int sampleEvery = 200;       // observer calls (sample grids, plots)
    int lossGradientsEvery = 0;  // > 0: every N steps, the gradient norm of each loss term (StepLosses)
    BackboneChoice backbone;     // the network the perceptual, style, face and flow terms read
    std::optional<std::string>
        initWeights;  // start from released weights (fresh optimisers); a body model may start a portrait model
    std::shared_ptr<const model::SafetensorsContent>
        initContent;      // initWeights' contents when the caller has read them
    bool resume = false;  // continue from the newest valid checkpoint in runDirectory
    AugmentOptions augment;
    int rank = 0, worldSize = 1;  // data-parallel position (set by the launcher)
    int localRank = 0;            // rank on this machine: picks the GPU (cuda:localRank)
};

struct StepLosses {
    std::map<std::string, double> terms;  // weighted terms, by the names of lossLogTerms()
    double total = 0.0;
    double discriminator = 0.0;
    // Filled on the steps TrainOptions::lossGradientsEvery asks for: the L2 norm of the gradient each weighted
    // term alone gives the generator's parameters (which losses steer training, which are noise).
    std::map<std::string, double> gradientNorms;
};

// Sees progress: the app draws sample grids and loss plots with it (core/train does no image I/O).
class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onSamples(int step, const Batch& batch, const model::GeneratorOutput& output) {}
    virtual void onLosses(int step, int stage, const StepLosses& losses) {}
};

// Averages gradients across the processes of a data-parallel run (ProcessGroupReducer in distributed.h).
// Every call is collective: all ranks make the same calls in the same order.
class GradientReducer {
public:
    virtual ~GradientReducer() = default;
    virtual void allReduceAverage(std::vector<at::Tensor>& gradients) = 0;
    // Overwrites the tensors (in place) with rank 0's.
    virtual void broadcastParameters(std::vector<at::Tensor>& parameters) = 0;
    // The largest value over all ranks: agrees on stop requests and checks that all ranks are at one step.
    virtual std::int64_t maxOverRanks(std::int64_t value) { return value; }
};

// The checkpoints of a run folder ("checkpoint-<step>.pt"), newest first.
std::vector<std::string> checkpointsNewestFirst(const std::string& runDirectory);

class Trainer {
public:
    Trainer(TrainOptions options, std::shared_ptr<const PairDataset> dataset);
    ~Trainer();

    void setObserver(TrainingObserver* observer) { m_observer = observer; }
    void setGradientReducer(GradientReducer* reducer) { m_reducer = reducer; }

    // Trains until the last step or until requestStop(); writes a checkpoint at the end either way.
    void run();
    // Thread- and signal-safe: the loop finishes the current step, checkpoints and returns.
    static void requestStop();
    static void clearStopRequest();  // the request is sticky (a signal may come before run()); clear it to train again
    static bool stopRequested();

    int step() const { return m_step; }
    int totalSteps() const { return m_options.stage1Steps + m_options.stage2Steps; }
    int stage() const { return m_step < m_options.stage1Steps ? 1 : 2; }
    double imagesPerSecond() const { return m_imagesPerSecond; }
    c10::Device device() const { return m_device; }

    // One optimisation step on a batch (public for tests); returns the losses.
    StepLosses trainStep(const Batch& batch);

    // Checkpoint I/O. saveCheckpoint writes atomically and prunes old ones; loadLatestCheckpoint falls
    // back to an older checkpoint when the newest is corrupt, and returns false when none loads.
    std::string saveCheckpoint();
    bool loadLatestCheckpoint();

    // Release weights: the EMA generator, fp16, with the training metadata of docs/model.md.
    void exportWeights(const std::string& path) const;
    std::string trainingMetadata() const;

    model::Generator generator() const { return m_generator; }
    model::Generator averagedGenerator() const { return m_ema; }
    const TrainOptions& options() const { return m_options; }
    const Backbone& backbone() const { return *m_backbone; }

private:
    void updateAverage();
    static std::map<std::string, double> gradientNormsOfTerms(const std::map<std::string, at::Tensor>& terms,
                                                              const std::vector<at::Tensor>& parameters);
    void synchronizeRanks();
    bool stopAgreed();
    std::chrono::steady_clock::time_point m_runStart;  // of this run() call: the time limit counts from here
    int m_runStartStep = 0;                            // and at least one step is made
    void loadCheckpoint(const std::string& path);
    void initGeneratorFrom(const std::string& weightsPath);  // --init

    TrainOptions m_options;
    std::shared_ptr<const PairDataset> m_dataset;
    c10::Device m_device{c10::kCPU};
    model::Generator m_generator{nullptr}, m_ema{nullptr};
    model::Discriminator m_discriminator{nullptr};
    std::unique_ptr<Backbone> m_backbone;
    std::unique_ptr<torch::optim::Adam> m_optimizer, m_discriminatorOptimizer;
    TrainingObserver* m_observer = nullptr;
    GradientReducer* m_reducer = nullptr;
    int m_step = 0;
    std::uint64_t m_imagesSeen = 0;
    double m_seconds = 0.0;  // training wall time over all runs
    double m_imagesPerSecond = 0.0;
    model::GeneratorOutput m_lastOutput;
    std::string m_initRecord;  // JSON {"weights", "training"} of the --init weights, kept across resumes
};

}  // namespace marionette::train
