#include "marionette/train/trainer.h"

#include "marionette/train/loss_log.h"

#include "marionette/engine/engine.h"
#include "marionette/model/weights.h"
#include "marionette/util/cpu_threads.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"
#include "marionette/util/log.h"
#include "marionette/util/torch_compat.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

namespace marionette::train {
namespace fs = std::filesystem;
namespace {

std::atomic<bool> g_stopRequested{false};

const char* kCheckpointPrefix = "checkpoint-";

void writeModule(torch::serialize::OutputArchive& archive, const std::string& prefix, torch::nn::Module& module) {
    for (const auto& p : module.named_parameters()) archive.write(prefix + p.key(), p.value().detach().to(at::kCPU));
}

void readModule(torch::serialize::InputArchive& archive, const std::string& prefix, torch::nn::Module& module) {
    torch::NoGradGuard noGrad;
    for (auto& p : module.named_parameters()) {
        at::Tensor t;
        archive.read(prefix + p.key(), t);
        if (t.sizes() != p.value().sizes())
            throw Error("checkpoint tensor " + prefix + p.key() + " has the wrong shape");
        p.value().copy_(t);
    }
}

std::vector<at::Tensor> gradientsOf(const std::vector<at::Tensor>& params) {
    std::vector<at::Tensor> grads;
    for (const auto& p : params) {
        if (p.grad().defined()) grads.push_back(p.mutable_grad());
    }
    return grads;
}

Batch toDevice(const Batch& b, const c10::Device& d) {
    const auto to = [&](const at::Tensor& t) { return t.defined() ? t.to(d) : t; };
    Batch out;
    using Field = std::pair<const at::Tensor*, at::Tensor*>;
    const Field fields[] = {{&b.reference, &out.reference},
                            {&b.referenceSemantics, &out.referenceSemantics},
                            {&b.target, &out.target},
                            {&b.targetSemantics, &out.targetSemantics},
                            {&b.faceCentres, &out.faceCentres},
                            {&b.faceValid, &out.faceValid},
                            {&b.skeletonFlow4, &out.skeletonFlow4},
                            {&b.skeletonFlowMask4, &out.skeletonFlowMask4},
                            {&b.skeletonFlow8, &out.skeletonFlow8},
                            {&b.skeletonFlowMask8, &out.skeletonFlowMask8},
                            {&b.flowPrior, &out.flowPrior},
                            {&b.trueFlow4, &out.trueFlow4},
                            {&b.trueFlowKnown4, &out.trueFlowKnown4},
                            {&b.trueFlow8, &out.trueFlow8},
                            {&b.trueFlowKnown8, &out.trueFlowKnown8}};
    for (const auto& [from, into] : fields) *into = to(*from);
    return out;
}

// A checkpoint is written under a temporary name and renamed once whole; a run killed in between leaves the
// temporary file (as large as a checkpoint), which no resume reads.
void removeUnfinishedCheckpoints(const std::string& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(std::string(".") + kCheckpointPrefix, 0) == 0 && e.path().extension() == ".tmp") {
            fs::remove(e.path(), ec);
            log::info("removed ", e.path().string(), ", a checkpoint left unfinished by an earlier session");
        }
    }
}

}  // namespace

std::vector<std::string> checkpointsNewestFirst(const std::string& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kCheckpointPrefix, 0) == 0 && e.path().extension() == ".pt") found.push_back(e.path().string());
    }
    std::sort(found.rbegin(), found.rend());  // zero-padded step numbers sort by name
    return found;
}

void Trainer::requestStop() { g_stopRequested = true; }
void Trainer::clearStopRequest() { g_stopRequested = false; }
bool Trainer::stopRequested() { return g_stopRequested; }

void Trainer::initGeneratorFrom(const std::string& path) {
    const model::SafetensorsContent content =
        m_options.initContent ? *m_options.initContent : model::readSafetensors(path);
    const model::ModelConfig c = model::configFromMetadata(content, path);
    const model::ModelConfig& trained = m_options.model;
    if (c.usesFlowPrior() && !trained.usesFlowPrior())
        throw Error(
            path +
            ": these weights refine a flow prior and cannot start a model without one (train with --flow-prior)");
    if (c.width != trained.width || c.keyChannels != trained.keyChannels || c.deformation != trained.deformation)
        throw Error(path + ": its configuration " + c.toJson() + " differs from the one being trained " +
                    trained.toJson());
    if (c.appearanceNorm != trained.appearanceNorm)
        throw Error(path + ": its appearance blocks use " + model::toString(c.appearanceNorm) +
                    " normalisation, the model being trained " + model::toString(trained.appearanceNorm) +
                    " (train with --appearance-norm " + model::toString(c.appearanceNorm) +
                    " to continue these weights)");
    // Whatever the weights learnt before stays on record in the exported metadata ("init").
    const auto training = content.metadata.find("marionette.training");
    const auto parentTraining =
        nlohmann::json::parse(training == content.metadata.end() ? "{}" : training->second, nullptr, false);
    m_initRecord = nlohmann::json{{"weights", fs::path(path).filename().string()},
                                  {"training", parentTraining.is_object() ? parentTraining : nlohmann::json::object()}}
                       .dump();
    if (c.semantics == trained.semantics) {
        // Weights without a flow prior start a model with one: the prior's new parts start at zero (the prior warp).
        const auto fresh = model::loadGeneratorState(*m_generator, content, path);
        log::info("initialised the generator from ", path,
                  fresh.empty() ? "" : "; the flow prior's input, residual and visibility heads start at zero");
        return;
    }
    // Another kind of model (body weights starting a portrait model): everything but the first convolutions
    // of the networks that read the semantic maps carries over (image encoders, warps, combination, decoder).
    (void)model::loadGeneratorWeights(content, path);  // the file must be valid in itself
    const auto kept = model::copyMatchingTensors(*m_generator, content);
    std::string names;
    for (const auto& name : kept) names += (names.empty() ? "" : ", ") + name;
    log::info("initialised the generator from the ", model::toString(c.semantics), " model ", path,
              "; freshly initialised (they read ", model::toString(trained.semantics), " maps): ", names);
}

Trainer::Trainer(TrainOptions options, std::shared_ptr<const PairDataset> dataset)
    : m_options(std::move(options)), m_dataset(std::move(dataset)) {
    m_options.model.validate();
    if (m_options.batchSize < 1) throw Error("the batch size must be at least 1");
    cpu_threads::configure(m_options.threads);
    m_device = engine::resolveDevice(m_options.device);
    if (m_device.is_cuda()) {  // one GPU per process of a data-parallel run on one machine
        const int64_t gpus = std::max<int64_t>(1, torch::cuda::device_count());
        m_device = c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(m_options.localRank % gpus));
    }
    if (m_options.mixedPrecision && !m_device.is_cuda()) {
        log::warning("mixed precision is only used on CUDA; training in fp32 on the CPU");
        m_options.mixedPrecision = false;
    }
    torch::manual_seed(m_options.seed);
    m_backbone = makeBackbone(m_options.backbone, usesBackbone(m_options.weights, m_options.stage1Steps > 0));
    m_options.model.backbone = m_backbone->name();
    m_generator = model::Generator(m_options.model);
    if (m_options.initWeights) initGeneratorFrom(*m_options.initWeights);
    m_ema = model::Generator(m_options.model);
    {
        torch::NoGradGuard noGrad;
        auto src = m_generator->parameters();
        auto dst = m_ema->parameters();
        for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
    }
    m_ema->eval();
    for (auto& p : m_ema->parameters()) p.set_requires_grad(false);
    m_discriminator = model::Discriminator(m_options.model);
    m_generator->to(m_device);
    m_ema->to(m_device);
    m_discriminator->to(m_device);
    m_backbone->to(m_device);
    m_optimizer = std::make_unique<torch::optim::Adam>(
        m_generator->parameters(), torch::optim::AdamOptions(m_options.learningRate).betas({0.5, 0.999}));
    m_discriminatorOptimizer = std::make_unique<torch::optim::Adam>(
        m_discriminator->parameters(),
        torch::optim::AdamOptions(m_options.discriminatorLearningRate).betas({0.5, 0.999}));
    std::error_code ec;
    fs::create_directories(m_options.runDirectory, ec);
    if (ec) throw Error(m_options.runDirectory + ": cannot create the run folder: " + ec.message());
    if (m_options.rank == 0) removeUnfinishedCheckpoints(m_options.runDirectory);
    if (m_options.resume && !loadLatestCheckpoint()) {
        // Starting afresh over checkpoints that exist would overwrite a run the user meant to continue.
        const auto found = checkpointsNewestFirst(m_options.runDirectory);
        if (!found.empty())
            throw Error(
                "none of the " + std::to_string(found.size()) + " checkpoints in " + m_options.runDirectory +
                " can be resumed (the warnings above say why); resume with the options the run was started with, or "
                "use another --run folder to start afresh");
        log::info("no checkpoint to resume from in ", m_options.runDirectory, "; starting at step 0");
    }
}

Trainer::~Trainer() = default;

StepLosses Trainer::trainStep(const Batch& cpuBatch) {
    const Batch b = toDevice(cpuBatch, m_device);
    const int currentStage = stage();
    const bool stage2 = currentStage == 2;
    const auto& w = m_options.weights;
    m_generator->train();
    if (m_options.mixedPrecision) torch_compat::setCudaAutocast(true);

    model::GeneratorOutput out =
        m_generator->forward(b.reference, b.referenceSemantics, b.targetSemantics, b.flowPrior);
    const bool imageLosses = stage2 || m_options.model.deformation == model::Deformation::None;
    // A term whose weight is 0 is not computed at all: without perceptual, style and flow terms the step
    // skips the backbone, which is most of a step's cost on the CPU.
    const double flowWeight = stage2 ? w.flow : w.flowStage1;
    const double reguWeight = stage2 ? w.regularization : w.regularizationStage1;
    const bool flowLoss = out.flow4.defined() && flowWeight > 0;
    const bool featureLosses = imageLosses && (w.perceptual > 0 || w.style > 0);
    const BackboneLayers& layers = m_backbone->layers();
    const std::vector<std::string> imageLossLayers = layers.imageLosses();
    std::set<std::string> targetLayers;
    if (featureLosses) targetLayers = {imageLossLayers.begin(), imageLossLayers.end()};
    if (flowLoss) targetLayers.insert({layers.flowS4, layers.flowS8});
    std::map<std::string, at::Tensor> targetFeatures, referenceFeatures;
    {
        torch::NoGradGuard noGrad;
        if (!targetLayers.empty())
            targetFeatures = m_backbone->features(b.target, {targetLayers.begin(), targetLayers.end()});
        if (flowLoss) referenceFeatures = m_backbone->features(b.reference, {layers.flowS4, layers.flowS8});
    }
    std::map<std::string, at::Tensor> terms;
    if (out.attention4.defined() && w.attention > 0) terms["attn"] = w.attention * attentionLoss(out, b.target);
    if (flowLoss)
        terms["flow"] =
            flowWeight *
            (samplingCorrectnessLoss(out.flow4, referenceFeatures.at(layers.flowS4), targetFeatures.at(layers.flowS4)) +
             samplingCorrectnessLoss(out.flow8, referenceFeatures.at(layers.flowS8), targetFeatures.at(layers.flowS8)));
    if (out.flowWarped4.defined() && w.flowWarp > 0) terms["warp"] = w.flowWarp * flowWarpLoss(out, b.target);
    if (out.flow4.defined() && b.skeletonFlow4.defined() && w.skeletonFlow > 0)
        terms["skel"] = w.skeletonFlow * (skeletonFlowLoss(out.flow4, b.skeletonFlow4, b.skeletonFlowMask4) +
                                          skeletonFlowLoss(out.flow8, b.skeletonFlow8, b.skeletonFlowMask8));
    if (out.flow4.defined() && b.trueFlow4.defined() && w.supervisedFlow > 0)
        terms["sflow"] = w.supervisedFlow * (supervisedFlowLoss(out.flow4, b.trueFlow4, b.trueFlowKnown4) +
                                             supervisedFlowLoss(out.flow8, b.trueFlow8, b.trueFlowKnown8));
    if (imageLosses && out.visibility.defined() && w.visibilityDecision > 0)
        terms["vis"] = w.visibilityDecision * visibilityDecisionLoss(out.visibility);
    if (out.flow4.defined() && reguWeight > 0)
        terms["regu"] = reguWeight * (affineRegularizationLoss(out.flow4) + affineRegularizationLoss(out.flow8));
    if (imageLosses) {
        if (featureLosses) {
            const auto generated = m_backbone->features(out.image, imageLossLayers);
            if (w.perceptual > 0)
                terms["perc"] = w.perceptual * perceptualLoss(generated, targetFeatures, layers.perceptual);
            if (w.style > 0) terms["style"] = w.style * styleLoss(generated, targetFeatures, layers.style);
        }
        if (w.face > 0 && b.faceValid.sum().item<float>() > 0) {
            const auto withFace = b.faceValid.nonzero().flatten();
            const double side = 64.0 * m_options.model.height / 256.0;
            const auto centres = b.faceCentres.index_select(0, withFace);
            const auto fakeFaces = cropFaces(out.image.index_select(0, withFace), centres, side, 64);
            at::Tensor realFaces;
            std::map<std::string, at::Tensor> realFeatures;
            {
                torch::NoGradGuard noGrad;
                realFaces = cropFaces(b.target.index_select(0, withFace), centres, side, 64);
                realFeatures = m_backbone->features(realFaces, layers.perceptual);
            }
            // Weighted by the share of samples with a face, so that the term is a mean over the batch.
            const double share = static_cast<double>(withFace.size(0)) / static_cast<double>(b.size());
            terms["face"] =
                w.face * share *
                perceptualLoss(m_backbone->features(fakeFaces, layers.perceptual), realFeatures, layers.perceptual);
        }
        if (w.adversarial > 0) terms["adv"] = w.adversarial * generatorAdversarialLoss(m_discriminator(out.image));
        if (w.pixel > 0) terms["l1"] = w.pixel * torch::nn::functional::l1_loss(out.image, b.target);
    }
    if (m_options.mixedPrecision) torch_compat::setCudaAutocast(false);

    if (terms.empty())
        throw Error("every loss weight of training stage " + std::to_string(currentStage) +
                    " is 0: there is nothing to train");
    at::Tensor total;
    StepLosses losses;
    for (const auto& [name, value] : terms) {
        total = total.defined() ? total + value : value;
        losses.terms[name] = value.item<double>();
    }
    losses.total = total.item<double>();
    if (!std::isfinite(losses.total))
        throw Error("the training loss became " + std::to_string(losses.total) + " at step " + std::to_string(m_step));
    auto params = m_generator->parameters();
    if (m_options.lossGradientsEvery > 0 && m_step % m_options.lossGradientsEvery == 0)
        losses.gradientNorms = gradientNormsOfTerms(terms, params);
    m_optimizer->zero_grad();
    total.backward();
    if (m_reducer) {
        auto grads = gradientsOf(params);
        m_reducer->allReduceAverage(grads);
    }
    if (m_options.clipGradNorm > 0) torch::nn::utils::clip_grad_norm_(params, m_options.clipGradNorm);
    m_optimizer->step();

    if (stage2 && w.adversarial > 0) {
        m_discriminatorOptimizer->zero_grad();
        const auto dLoss = discriminatorLoss(m_discriminator(b.target), m_discriminator(out.image.detach()));
        dLoss.backward();
        if (m_reducer) {
            auto grads = gradientsOf(m_discriminator->parameters());
            m_reducer->allReduceAverage(grads);
        }
        m_discriminatorOptimizer->step();
        losses.discriminator = dLoss.item<double>();
    }
    updateAverage();
    m_lastOutput = out;
    ++m_step;
    m_imagesSeen += static_cast<std::uint64_t>(b.size()) * static_cast<std::uint64_t>(m_options.worldSize);
    return losses;
}

// One extra backward pass per term (the graph is kept for the real one): a diagnostic, not for every step.
std::map<std::string, double> Trainer::gradientNormsOfTerms(const std::map<std::string, at::Tensor>& terms,
                                                            const std::vector<at::Tensor>& parameters) {
    std::vector<at::Tensor> trainable;
    for (const auto& p : parameters)
        if (p.requires_grad()) trainable.push_back(p);
    std::map<std::string, double> norms;
    for (const auto& [name, value] : terms) {
        if (!value.requires_grad()) {
            norms[name] = 0.0;
            continue;
        }
        const auto grads = torch::autograd::grad({value}, trainable, {}, /*retain_graph=*/true, /*create_graph=*/false,
                                                 /*allow_unused=*/true);
        double squares = 0.0;
        for (const auto& g : grads)
            if (g.defined()) squares += g.to(at::kDouble).square().sum().item<double>();
        norms[name] = std::sqrt(squares);
    }
    return norms;
}

void Trainer::updateAverage() {
    // EMA with a warm-up (decay grows from 0.1 towards emaDecay) so that short runs are not dominated by
    // the initial weights.
    const double decay = std::min(m_options.emaDecay, (1.0 + m_step) / (10.0 + m_step));
    torch::NoGradGuard noGrad;
    auto src = m_generator->parameters();
    auto dst = m_ema->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i].mul_(decay).add_(src[i].detach(), 1.0 - decay);
}

// Data parallelism: every rank starts at the same step from rank 0's weights (generator, EMA,
// discriminator), whether they were initialised, loaded from --init or resumed.
void Trainer::synchronizeRanks() {
    if (!m_reducer) return;
    const auto step = static_cast<std::int64_t>(m_step);
    if (m_reducer->maxOverRanks(step) != -m_reducer->maxOverRanks(-step))
        throw Error("the processes of this data-parallel run start at different steps (this one at step " +
                    std::to_string(m_step) +
                    "): give every machine the same run folder, with the same checkpoints, to resume from");
    std::vector<at::Tensor> state;
    for (torch::nn::Module* module :
         std::initializer_list<torch::nn::Module*>{m_generator.get(), m_ema.get(), m_discriminator.get()}) {
        for (const auto& p : module->parameters()) state.push_back(p);
        for (const auto& b : module->buffers()) state.push_back(b);
    }
    m_reducer->broadcastParameters(state);
}

// A stop request (SIGINT on one machine) stops all ranks after the same step, so none waits for the others.
// The time limit counts on every rank but is agreed like a stop request, so all ranks stop at one step.
bool Trainer::stopAgreed() {
    const bool timeUp = m_options.timeLimitSeconds > 0.0 && m_step > m_runStartStep &&
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_runStart).count() >=
                            m_options.timeLimitSeconds;
    const bool stop = stopRequested() || timeUp;
    if (!m_reducer) return stop;
    return m_reducer->maxOverRanks(stop ? 1 : 0) != 0;
}

void Trainer::run() {
    BatchLoader::Options loaderOptions;
    loaderOptions.batchSize = m_options.batchSize;
    loaderOptions.workers = m_options.loaderWorkers;
    loaderOptions.seed = m_options.seed;
    loaderOptions.rank = m_options.rank;
    loaderOptions.worldSize = m_options.worldSize;
    loaderOptions.firstBatch = static_cast<std::uint64_t>(m_step);
    loaderOptions.augment = m_options.augment;
    loaderOptions.skeletonFlow = m_options.weights.skeletonFlow > 0;
    BatchLoader loader(m_dataset, m_options.model, loaderOptions);
    const bool writer = m_options.rank == 0;
    synchronizeRanks();

    const std::string csvPath = (fs::path(m_options.runDirectory) / "losses.csv").string();
    std::ofstream csv;
    if (writer) {
        if (const int dropped = trimLossLog(csvPath, m_step))
            log::info(csvPath, ": dropped ", dropped, dropped == 1 ? " row" : " rows", " logged after step ", m_step,
                      " or cut short (those steps are trained again)");
        if (upgradeLossLog(csvPath))
            log::info(csvPath, ": rewritten with this build's columns (", lossLogHeader(), ")");
        const bool newCsv = !fs::exists(csvPath);
        csv.open(csvPath, std::ios::app);
        if (!csv) throw Error(csvPath + ": cannot write the loss log");
        if (newCsv) csv << lossLogHeader() << '\n';
    }
    log::info("training ", model::toString(m_options.model.semantics), " model (",
              model::toString(m_options.model.deformation), ", c = ", m_options.model.width, ", ",
              m_options.model.height, " x ", m_options.model.canvasWidth, ") on ", m_device.is_cuda() ? "CUDA" : "CPU",
              " from step ", m_step, " to ", totalSteps(), ", batch ", m_options.batchSize, " x ", m_options.worldSize,
              ", data: ", m_dataset->description(), ", backbone: ", m_backbone->name());
    int lastCheckpointStep = m_step;
    m_runStart = std::chrono::steady_clock::now();
    m_runStartStep = m_step;
    while (m_step < totalSteps() && !stopAgreed()) {
        const Batch batch = loader.next();
        const auto start = std::chrono::steady_clock::now();
        const int stageOfStep = stage();
        const StepLosses losses = trainStep(batch);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        m_seconds += seconds;
        const double rate = static_cast<double>(batch.size() * m_options.worldSize) / std::max(seconds, 1e-9);
        m_imagesPerSecond = m_imagesPerSecond == 0.0 ? rate : 0.9 * m_imagesPerSecond + 0.1 * rate;
        if (!writer) continue;
        if (m_observer) m_observer->onLosses(m_step, stageOfStep, losses);
        if (m_step % std::max(1, m_options.logEvery) == 0 || m_step == totalSteps()) {
            csv << lossLogRow(m_step, stageOfStep, m_imagesSeen, m_seconds, losses.terms, losses.total,
                              losses.discriminator)
                << '\n'
                << std::flush;
        }
        if (m_observer && (m_step % std::max(1, m_options.sampleEvery) == 0 || m_step == totalSteps()))
            m_observer->onSamples(m_step, batch, m_lastOutput);
        if (m_step - lastCheckpointStep >= m_options.checkpointEvery) {
            saveCheckpoint();
            lastCheckpointStep = m_step;
        }
    }
    if (writer && m_step != lastCheckpointStep) saveCheckpoint();
    if (loader.skippedSamples() > 0) log::warning(loader.skippedSamples(), " bad training samples were skipped");
}

std::string Trainer::saveCheckpoint() {
    if (m_options.rank != 0) return {};
    torch::serialize::OutputArchive archive;
    writeModule(archive, "generator.", *m_generator);
    writeModule(archive, "ema.", *m_ema);
    writeModule(archive, "discriminator.", *m_discriminator);
    torch::serialize::OutputArchive optimizer, discriminatorOptimizer;
    m_optimizer->save(optimizer);
    m_discriminatorOptimizer->save(discriminatorOptimizer);
    archive.write("optimizer", optimizer);
    archive.write("discriminator_optimizer", discriminatorOptimizer);
    archive.write("step", torch::tensor(static_cast<int64_t>(m_step)));
    archive.write("images", torch::tensor(static_cast<int64_t>(m_imagesSeen)));
    archive.write("seconds", torch::tensor(m_seconds, torch::kDouble));
    archive.write("rng", at::detail::getDefaultCPUGenerator().get_state());
    archive.write("config", c10::IValue(m_options.model.toJson()));
    archive.write("metadata", c10::IValue(trainingMetadata()));

    char name[64];
    std::snprintf(name, sizeof(name), "%s%09d.pt", kCheckpointPrefix, m_step);
    const fs::path path = fs::path(m_options.runDirectory) / name;
    const fs::path temporary = fs::path(m_options.runDirectory) / (std::string(".") + name + ".tmp");
    archive.save_to(temporary.string());
    files::syncToDisk(temporary.string());  // whole on the disk before its name says it is complete
    std::error_code ec;
    fs::rename(temporary, path, ec);
    if (ec) throw Error(path.string() + ": cannot write the checkpoint: " + ec.message());
    files::syncToDisk(m_options.runDirectory);
    const auto all = checkpointsNewestFirst(m_options.runDirectory);
    for (std::size_t i = static_cast<std::size_t>(std::max(1, m_options.keepCheckpoints)); i < all.size(); ++i)
        fs::remove(all[i], ec);
    log::info("checkpoint ", path.string(), " (step ", m_step, ", ", m_imagesSeen, " images)");
    return path.string();
}

void Trainer::loadCheckpoint(const std::string& path) {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    c10::IValue config;
    archive.read("config", config);
    if (config.toStringRef() != m_options.model.toJson())
        throw Error("it was made for another model configuration: " + config.toStringRef());
    readModule(archive, "generator.", *m_generator);
    readModule(archive, "ema.", *m_ema);
    readModule(archive, "discriminator.", *m_discriminator);
    torch::serialize::InputArchive optimizer, discriminatorOptimizer;
    archive.read("optimizer", optimizer);
    archive.read("discriminator_optimizer", discriminatorOptimizer);
    m_optimizer->load(optimizer);
    m_discriminatorOptimizer->load(discriminatorOptimizer);
    at::Tensor step, images, seconds, rng;
    archive.read("step", step);
    archive.read("images", images);
    archive.read("seconds", seconds);
    archive.read("rng", rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the shared generator
    generator.set_state(rng);
    m_step = static_cast<int>(step.item<int64_t>());
    m_imagesSeen = static_cast<std::uint64_t>(images.item<int64_t>());
    m_seconds = seconds.item<double>();
    c10::IValue metadata;
    if (archive.try_read("metadata", metadata) && metadata.isString()) {
        const auto j = nlohmann::json::parse(metadata.toStringRef(), nullptr, false);
        if (j.is_object() && j.contains("init") && j["init"].is_object()) m_initRecord = j["init"].dump();
    }
}

bool Trainer::loadLatestCheckpoint() {
    for (const auto& path : checkpointsNewestFirst(m_options.runDirectory)) {
        try {
            loadCheckpoint(path);
            log::info("resumed from ", path, " at step ", m_step);
            return true;
        } catch (const c10::Error& e) {
            log::warning("checkpoint ", path, " cannot be used (", e.what_without_backtrace(),
                         "); trying an older one");
        } catch (const std::exception& e) {
            log::warning("checkpoint ", path, " cannot be used (", e.what(), "); trying an older one");
        }
    }
    return false;
}

std::string Trainer::trainingMetadata() const {
    // The weights of the run's latest session (a resumed run may have changed them).
    nlohmann::json lossWeights;
    for (const auto& [name, field] : namedLossWeights()) lossWeights[name] = m_options.weights.*field;
    nlohmann::json j{{"data", m_dataset->description()},
                     {"steps", m_step},
                     {"stage1_steps", std::min(m_step, m_options.stage1Steps)},
                     {"images_seen", m_imagesSeen},
                     {"batch", m_options.batchSize * m_options.worldSize},
                     {"seconds", m_seconds},
                     {"device", m_device.is_cuda() ? "cuda" : "cpu"},
                     {"backbone", m_backbone->name()},
                     {"ema_decay", m_options.emaDecay},
                     {"loss_weights", lossWeights},
                     {"libtorch", torch_compat::versionString()}};
    if (!m_initRecord.empty()) j["init"] = nlohmann::json::parse(m_initRecord);
    return j.dump();
}

void Trainer::exportWeights(const std::string& path) const {
    auto ema = m_ema;
    ema->to(at::kCPU);
    model::saveGeneratorWeights(path, *ema, trainingMetadata(), model::StoredPrecision::Float16);
    ema->to(m_device);
}

}  // namespace marionette::train
