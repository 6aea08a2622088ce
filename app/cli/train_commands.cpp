// marionette-train's verbs (also available as marionette-cli train / export / eval): train a model,
// export release weights from a run, evaluate weights on held-out pairs.
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/datasets.h"

#include "marionette/engine/op_profile.h"
#include "marionette/model/weights.h"
#include "marionette/train/distributed.h"
#include "marionette/train/evaluation.h"
#include "marionette/train/launcher.h"
#include "marionette/train/metrics.h"
#include "marionette/train/trainer.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"
#include "marionette/util/log.h"

#include <torch/types.h>
#include <nlohmann/json.hpp>
#ifdef MARIONETTE_WITH_IMAGE
#include "marionette/image/image_io.h"

#include <opencv2/core.hpp>
#endif

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>

namespace marionette::cli {

#ifdef MARIONETTE_WITH_IMAGE
// Draws sample grids and loss plots (train_observer.cpp, OpenCV).
std::unique_ptr<train::TrainingObserver> makeImageObserver(const std::string& runDirectory);
// reference | target skeleton | output | ground truth | flow | combination, one row per sample, at most maxRows.
cv::Mat drawSampleGrid(const train::Batch& batch, const model::GeneratorOutput& output, int maxRows);
#endif

namespace {

void onSignal(int) { train::Trainer::requestStop(); }

std::string formatDuration(double seconds) {
    const long s = static_cast<long>(seconds);
    char text[32];
    std::snprintf(text, sizeof(text), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return text;
}

// The progress bar on stderr: step, stage, images/s, ETA and the current losses; forwards to the image
// observer.
class ProgressObserver : public train::TrainingObserver {
public:
    ProgressObserver(const train::Trainer& trainer, std::ostream& err, train::TrainingObserver* images)
        : m_trainer(trainer), m_err(err), m_images(images), m_start(std::chrono::steady_clock::now()) {}

    void onLosses(int step, int stage, const train::StepLosses& losses) override {
        if (m_images) m_images->onLosses(step, stage, losses);
        const double rate = m_trainer.imagesPerSecond();
        const int left = m_trainer.totalSteps() - step;
        const double eta = rate > 0 ? left * m_trainer.options().batchSize / rate : 0.0;
        std::ostringstream line;
        line << std::fixed << std::setprecision(2) << "\rstage " << stage << " step " << step << "/"
             << m_trainer.totalSteps() << "  " << rate << " img/s  ETA " << formatDuration(eta) << "  loss "
             << std::setprecision(3) << losses.total;
        for (const auto& [name, value] : losses.terms) line << ' ' << name << ' ' << value;
        if (losses.discriminator > 0) line << " D " << losses.discriminator;
        m_err << line.str() << "   " << std::flush;
        if (!losses.gradientNorms.empty()) {
            std::ostringstream norms;
            norms << std::scientific << std::setprecision(2) << "\ngradient norm per loss term at step " << step << ':';
            for (const auto& [name, value] : losses.gradientNorms) norms << ' ' << name << ' ' << value;
            m_err << norms.str() << '\n' << std::flush;
        }
    }
    void onSamples(int step, const train::Batch& batch, const model::GeneratorOutput& output) override {
        if (m_images) m_images->onSamples(step, batch, output);
    }

private:
    const train::Trainer& m_trainer;
    std::ostream& m_err;
    train::TrainingObserver* m_images;
    std::chrono::steady_clock::time_point m_start;
};

model::ModelConfig configFromArguments(const Arguments& a) {
    model::ModelConfig c = a.value("--semantics") == "face" ? model::ModelConfig::face() : model::ModelConfig::body();
    if (a.value("--semantics") != "face" && a.value("--semantics") != "body")
        throw UsageError("--semantics is body or face");
    if (a.value("--config") == "small")
        c = model::ModelConfig::small(c);
    else if (a.value("--config") != "default")
        throw UsageError("--config is default or small");
    if (a.has("--width")) c.width = a.intValue("--width");
    if (a.has("--size")) std::tie(c.height, c.canvasWidth) = a.sizeValue("--size");
    c.deformation = model::deformationFromString(a.value("--deformation"));
    if (a.has("--appearance-norm")) c.appearanceNorm = model::normalizationFromString(a.value("--appearance-norm"));
    if (a.has("--flow-prior")) c.flowPrior = true;
    c.validate();
    return c;
}

class TrainCommand : public Command {
public:
    std::string name() const override { return "train"; }
    std::string summary() const override { return "train a model (stage 1 deformation, stage 2 end-to-end)"; }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "train",
            {
                {"--data", "SPEC", "training data: " + datasetSpecs(), "", true},
                {"--run", "DIR", "run folder: checkpoints, losses.csv, samples", "runs/train", false},
                {"--semantics", "body|face", "what the model reads", "body", false},
                {"--config", "default|small", "model width preset (c = 32 or 16)", "default", false},
                {"--width", "C", "override the width c", "", false},
                {"--size", "HxW", "canvas", defaultCanvasSizes(), false},
                {"--deformation", "V", "full, attention, flow or none", "full", false},
                {"--appearance-norm", "instance|none",
                 "normalisation of the reference encoder and decoder (instance: weights made before it was none)",
                 "none", false},
                {"--flow-prior", "",
                 "F refines the geometric warp's flow (the skeletons' limb warp, or the face landmarks' spline) by a "
                 "residual and a visibility map mixes the warped reference with the decoder's image (full or flow "
                 "variant; --init from weights without it starts as the prior warp)",
                 "", false},
                {"--stage1", "STEPS", "deformation pretraining steps", "1000", false},
                {"--stage2", "STEPS", "end-to-end steps", "10000", false},
                {"--batch", "N", "batch size per process", "4", false},
                {"--lr", "RATE", "generator learning rate (Adam, betas 0.5/0.999)", "1e-4", false},
                {"--clip", "NORM", "gradient norm clipping (0: off)", "0", false},
                {"--pixel-l1", "WEIGHT",
                 "weight of the plain L1 loss (not in the paper); same as --loss-weights l1=WEIGHT", "0", false},
                {"--loss-weights", "NAME=W,...",
                 "override loss weights (attn, flow, flow-stage1, regu, regu-stage1, perc, face, style, adv, l1, warp, "
                 "skel, sflow, vis; defaults in model.md, warp, l1, skel, sflow and vis are 0)",
                 "", false},
                {"--loss-gradients", "STEPS",
                 "every STEPS steps, log the gradient norm each loss term alone gives the generator (costs one "
                 "backward pass per term)",
                 "0", false},
                {"--amp", "", "bf16 mixed precision (CUDA only)", "", false},
                {"--backbone", "vgg19|movenet",
                 "the network the perceptual, style, face and flow losses read: VGG-19 (ImageNet weights from "
                 "--vgg19, else fixed random weights) or the bundled MoveNet Thunder's MobileNetV2",
                 "vgg19", false},
                {"--vgg19", "FILE", "VGG-19 ImageNet weights in torchvision's layout (tools/convert_vgg19.py)", "",
                 false},
                {"--init", "FILE",
                 "start from these released weights (fresh optimisers); body weights can start a portrait model", "",
                 false},
                {"--resume", "", "continue from the newest valid checkpoint in --run", "", false},
                {"--device", "auto|cpu|cuda", "device", "auto", false},
                {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
                {"--workers", "N", "data loading threads", "2", false},
                {"--seed", "N", "random seed", "1", false},
                {"--checkpoint-every", "STEPS", "checkpoint interval", "200", false},
                {"--sample-every", "STEPS", "sample grid and loss plot interval", "200", false},
                {"--time-limit", "MINUTES", "stop after this much training time, with a checkpoint (0: no limit)", "0",
                 false},
                {"--export", "FILE", "write release weights (EMA, fp16) when training ends", "", false},
                {"--nproc", "N", "data-parallel worker processes on this machine (c10d; see README)", "1", false},
                {"--backend", "auto|gloo|nccl", "c10d backend of a data-parallel run", "auto", false},
                {"--ops", "N",
                 "at the end, list the N operators that took the most time per step (where the time goes)", "0", false},
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        const int processes = a.intValue("--nproc");
        if (processes < 1) throw UsageError("--nproc must be at least 1");
        if (processes > 1 && !train::DistributedEnvironment::present()) {
            // This process becomes the launcher: the workers run the same command without --nproc.
            std::vector<std::string> workerArguments{"marionette-train", "train"};
            for (std::size_t i = 0; i < args.size(); ++i) {
                if (args[i] == "--nproc")
                    ++i;
                else
                    workerArguments.push_back(args[i]);
            }
            return train::launchLocalWorkers(processes, workerArguments);
        }
        train::TrainOptions o;
        o.model = configFromArguments(a);
        o.stage1Steps = a.intValue("--stage1");
        o.stage2Steps = a.intValue("--stage2");
        o.batchSize = a.intValue("--batch");
        o.learningRate = a.doubleValue("--lr");
        o.clipGradNorm = a.doubleValue("--clip");
        o.weights.pixel = a.doubleValue("--pixel-l1");
        if (a.has("--loss-weights")) o.weights = train::withLossWeights(o.weights, a.value("--loss-weights"));
        o.lossGradientsEvery = a.intValue("--loss-gradients");
        if (o.lossGradientsEvery < 0) throw UsageError("--loss-gradients must be at least 0");
        o.mixedPrecision = a.has("--amp");
        o.backbone.kind = train::backboneKindFromString(a.value("--backbone"));
        if (a.has("--vgg19")) {
            if (o.backbone.kind != train::BackboneChoice::Kind::Vgg19)
                throw UsageError("--vgg19 is the VGG-19 backbone's weights: it cannot go with --backbone movenet");
            o.backbone.path = a.value("--vgg19");
        }
        if (a.has("--init")) o.initWeights = a.value("--init");
        o.resume = a.has("--resume");
        o.device = a.deviceValue();
        o.threads = a.intValue("--threads");
        o.loaderWorkers = a.intValue("--workers");
        o.seed = static_cast<std::uint64_t>(a.intValue("--seed"));
        o.runDirectory = a.value("--run");
        o.checkpointEvery = a.intValue("--checkpoint-every");
        o.sampleEvery = a.intValue("--sample-every");
        o.timeLimitSeconds = 60.0 * a.doubleValue("--time-limit");
        if (!(o.timeLimitSeconds >= 0.0)) throw UsageError("--time-limit must be a number of minutes >= 0");
        if (o.stage1Steps < 0 || o.stage2Steps < 0 || o.batchSize < 1)
            throw UsageError("steps must be >= 0 and --batch >= 1");

        std::optional<train::DistributedEnvironment> job;
        if (train::DistributedEnvironment::present()) {
            job = train::DistributedEnvironment::fromVariables();
            o.rank = job->rank;
            o.worldSize = job->worldSize;
            o.localRank = job->localRank;
        }
        auto dataset = openDataset(a.value("--data"), o.model);
        train::Trainer trainer(o, dataset);
        std::unique_ptr<train::ProcessGroupReducer> reducer;
        if (job) {
            train::ProcessGroupReducer::Options reducerOptions;
            reducerOptions.backend = train::communicationBackendFromString(a.value("--backend"));
            reducer = std::make_unique<train::ProcessGroupReducer>(*job, trainer.device(), reducerOptions);
            trainer.setGradientReducer(reducer.get());
        }
        std::unique_ptr<train::TrainingObserver> images;
#ifdef MARIONETTE_WITH_IMAGE
        images = makeImageObserver(o.runDirectory);
#endif
        ProgressObserver progress(trainer, err, images.get());
        if (o.rank == 0) trainer.setObserver(&progress);
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
        const int opRows = a.intValue("--ops");
        if (opRows < 0) throw UsageError("--ops must be at least 0");
        std::optional<engine::OpProfile> profile;
        if (opRows > 0) profile.emplace();
        const int firstStep = trainer.step();
        trainer.run();
        err << '\n';
        if (profile) {
            out << "operators (outermost operators, forward and backward):\n"
                << engine::operatorTable(profile->totals(), trainer.step() - firstStep, "step", opRows);
        }
        if (train::Trainer::stopRequested())
            out << "stopped at step " << trainer.step() << "; resume with --resume\n";
        else if (trainer.step() < trainer.totalSteps())
            out << "time limit reached at step " << trainer.step() << "; resume with --resume\n";
        if (a.has("--export")) {
            trainer.exportWeights(a.value("--export"));
            out << "wrote " << a.value("--export") << '\n';
        }
        out << "trained to step " << trainer.step() << " of " << trainer.totalSteps() << " in " << o.runDirectory
            << '\n';
        return kExitOk;
    }
};

class ExportCommand : public Command {
public:
    std::string name() const override { return "export"; }
    std::string summary() const override {
        return "write release weights (EMA, fp16) from a training run's newest checkpoint";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a("export",
                    {
                        {"--run", "DIR", "the run folder", "", true},
                        {"--out", "FILE", "release weights (.safetensors)", "", true},
                        {"--metrics", "FILE", "a JSON evaluation report to record in the metadata", "", false},
                    });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        std::string metrics;
        if (a.has("--metrics")) metrics = files::readAll(a.value("--metrics"), 1 << 20);
        const std::string used = train::exportLatestCheckpoint(a.value("--run"), a.value("--out"), metrics);
        out << "wrote " << a.value("--out") << " from " << used << '\n';
        return kExitOk;
    }
};

class EvalCommand : public Command {
public:
    std::string name() const override { return "eval"; }
    std::string summary() const override {
        return "SSIM, PSNR and L1 of weights on held-out pairs, with the copy baseline";
    }

    int execute(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) override {
        Arguments a(
            "eval",
            {
                {"--weights", "FILE", "weights to evaluate", "", true},
                {"--data", "SPEC", "evaluation pairs: " + datasetSpecs(), "", true},
                {"--pairs", "N", "number of pairs", "64", false},
                {"--batch", "N", "pairs per forward pass", "8", false},
                {"--device", "auto|cpu|cuda", "device", "auto", false},
                {"--threads", "N", "CPU threads (0: one per processor core)", "0", false},
                {"--json", "FILE", "also write the report as JSON", "", false},
                {"--lpips", "FILE", "also compute LPIPS with these weights (tools/convert_lpips.py)", "", false},
                {"--fid", "FILE", "also compute FID with these Inception-v3 weights (tools/convert_fid_inception.py)",
                 "", false},
#ifdef MARIONETTE_WITH_IMAGE
                {"--grid", "FILE",
                 "also draw the first --grid-rows pairs (reference | target pose | output | ground truth | maps)", "",
                 false},
                {"--grid-rows", "N", "rows of the grid", "6", false},
#endif
            });
        a.parse(args);
        if (a.has("--help")) {
            out << a.help();
            return kExitOk;
        }
        cpu_threads::configure(a.intValue("--threads"));
        train::EvalOptions options;
        options.pairs = a.intValue("--pairs");
        options.batchSize = a.intValue("--batch");
        options.device = a.deviceValue();
        if (a.has("--lpips")) options.lpipsWeights = a.value("--lpips");
        if (a.has("--fid")) options.fidWeights = a.value("--fid");
#ifdef MARIONETTE_WITH_IMAGE
        std::vector<cv::Mat> gridRows;
        int rowsLeft = a.has("--grid") ? a.intValue("--grid-rows") : 0;
        if (rowsLeft < 0 || rowsLeft > 64) throw UsageError("--grid-rows must be between 0 and 64");
        if (rowsLeft > 0) {
            options.onBatch = [&](const train::Batch& batch, const model::GeneratorOutput& output) {
                if (rowsLeft <= 0) return;
                gridRows.push_back(drawSampleGrid(batch, output, rowsLeft));
                rowsLeft -= static_cast<int>(batch.size());
            };
        }
#endif
        const auto report = train::evaluate(
            a.value("--weights"), *openDataset(a.value("--data"), train::weightsConfig(a.value("--weights"))), options);
        out << report.markdown();
#ifdef MARIONETTE_WITH_IMAGE
        if (!gridRows.empty()) {
            cv::Mat grid;
            cv::vconcat(gridRows, grid);
            image::saveImage(a.value("--grid"), grid);
            out << "wrote " << a.value("--grid") << '\n';
        }
#endif
        if (a.has("--json")) files::writeAtomically(a.value("--json"), report.json() + "\n");
        return kExitOk;
    }
};

MARIONETTE_CLI_COMMAND(TrainCommand);
MARIONETTE_CLI_COMMAND(ExportCommand);
MARIONETTE_CLI_COMMAND(EvalCommand);

}  // namespace
}  // namespace marionette::cli
