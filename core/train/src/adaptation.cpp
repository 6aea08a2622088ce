#include "marionette/train/adaptation.h"

#include "marionette/engine/engine.h"
#include "marionette/model/safetensors.h"
#include "marionette/model/weights.h"
#include "marionette/synth/random.h"
#include "marionette/train/losses.h"
#include "marionette/train/trainer.h"
#include "marionette/util/error.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

namespace marionette::train {
namespace {

namespace fs = std::filesystem;

// A fresh folder for the trainer's run files, removed with everything in it when the adaptation ends.
class ScratchFolder {
public:
    ScratchFolder() {
        const auto stamp = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::error_code ec;
        for (int attempt = 0; attempt < 16; ++attempt) {
            m_path = fs::temp_directory_path(ec) / ("marionette-adapt-" + std::to_string(synth::mix64(stamp + attempt)));
            if (!ec && fs::create_directory(m_path, ec) && !ec) return;
        }
        throw Error("cannot make a scratch folder for the adaptation in " + fs::temp_directory_path(ec).string());
    }
    ~ScratchFolder() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    std::string path() const { return m_path.string(); }

private:
    fs::path m_path;
};

// Reports each step and turns a "cancel" answer into the trainer's stop request.
class ProgressRelay : public TrainingObserver {
public:
    ProgressRelay(const Trainer& trainer, const std::function<bool(const AdaptationProgress&)>& progress)
        : m_trainer(trainer), m_progress(progress) {}
    void onLosses(int step, int, const StepLosses& losses) override {
        if (!m_progress) return;
        AdaptationProgress p;
        p.step = step;
        p.steps = m_trainer.totalSteps();
        if (const auto it = losses.terms.find("l1"); it != losses.terms.end()) p.pixelL1 = it->second;
        p.imagesPerSecond = m_trainer.imagesPerSecond();
        if (!m_progress(p)) {
            m_cancelled = true;
            Trainer::requestStop();
        }
    }
    bool cancelled() const { return m_cancelled; }

private:
    const Trainer& m_trainer;
    const std::function<bool(const AdaptationProgress&)>& m_progress;
    bool m_cancelled = false;
};

// Both directions, by the parity of the draw: with the photo always the target, the target semantics would
// always be the photo's, and the network learns to ignore them and redraw the photo (seen after 600 steps on
// the sample: the raised arm of an edit disappeared). `pair` comes from the photo to its warped copy or back
// (`photoIsReference`); draw i of a photo goes from the warped copy to the photo when i / photoCount is even,
// unless all go from the photo.
PairSample inDirection(PairSample pair, bool photoIsReference, std::size_t index, std::size_t photoCount, PhotoPairs directions) {
    const bool photoShouldBeReference = directions == PhotoPairs::FromPhoto || (index / photoCount) % 2 == 1;
    if (photoIsReference != photoShouldBeReference) {
        std::swap(pair.reference, pair.target);
        std::swap(pair.referencePose, pair.targetPose);
        std::swap(pair.referenceFace, pair.targetFace);
    }
    return pair;
}

void checkCanvasImage(const at::Tensor& image, int height, int width, const std::string& which) {
    if (!image.defined() || image.dim() != 3 || image.size(0) != 3 || image.size(1) != height || image.size(2) != width)
        throw Error(which + ": the crop must be [3, " + std::to_string(height) + ", " + std::to_string(width) + "] (the model's canvas)");
}

model::ModelConfig configOf(const model::SafetensorsContent& weights, const std::string& weightsPath, model::SemanticsKind needed,
                            const std::string& adaptedTo) {
    const model::ModelConfig config = model::configFromMetadata(weights, weightsPath);
    if (config.semantics != needed)
        throw Error(weightsPath + ": adapting to a photo's " + adaptedTo + " needs " +
                    (needed == model::SemanticsKind::Body ? "body" : "portrait") + " weights; these are for " +
                    model::toString(config.semantics));
    return config;
}

AdaptationResult runAdaptation(std::shared_ptr<const model::SafetensorsContent> weights, const std::string& weightsPath,
                               const model::ModelConfig& config, std::shared_ptr<const PairDataset> data, const std::string& outPath,
                               const AdaptationOptions& options, const std::function<bool(const AdaptationProgress&)>& progress) {
    ScratchFolder scratch;
    TrainOptions o;
    o.model = config;
    o.stage1Steps = 0;
    o.stage2Steps = options.steps;
    o.batchSize = options.batchSize;
    o.learningRate = options.learningRate;
    o.weights = adaptationLossWeights(config.semantics);
    o.device = options.device;
    o.threads = options.threads;
    // Drawing a pair's warp takes the loader about 0.1 s of CPU: on a CPU that is little beside a step of
    // seconds, on a GPU it would bound the step, so more loader threads feed it there.
    const bool onCuda = engine::resolveDevice(engine::devicePreferenceFromString(options.device)).is_cuda();
    o.loaderWorkers = onCuda ? static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u)) : 1;
    o.seed = options.seed;
    o.runDirectory = scratch.path();
    o.checkpointEvery = options.steps + 1;  // only the one at the end, which the scratch folder takes away
    o.keepCheckpoints = 1;
    o.logEvery = options.steps;
    o.sampleEvery = options.steps + 1;
    o.initWeights = weightsPath;
    o.initContent = std::move(weights);

    Trainer::clearStopRequest();
    Trainer trainer(o, std::move(data));
    ProgressRelay relay(trainer, progress);
    trainer.setObserver(&relay);
    trainer.run();
    Trainer::clearStopRequest();
    if (relay.cancelled() || trainer.step() < trainer.totalSteps()) return AdaptationResult::Cancelled;
    trainer.exportWeights(outPath);
    return AdaptationResult::Finished;
}

}  // namespace

LimbWarpedPhotos::LimbWarpedPhotos(std::vector<PersonPhoto> photos, std::string description, int height, int width,
                                   synth::LimbWarpConfig warp, PhotoPairs directions)
    : m_photos(std::move(photos)), m_description(std::move(description)), m_generator(warp), m_directions(directions) {
    if (m_photos.empty()) throw Error(m_description + ": no photo to adapt to");
    for (std::size_t i = 0; i < m_photos.size(); ++i) {
        const PersonPhoto& p = m_photos[i];
        const std::string which = m_description + ", photo " + std::to_string(i + 1);
        checkCanvasImage(p.image, height, width, which);
        pose::validate(p.pose, which);
        if (p.pose.presentCount() < kMinimumAdaptationJoints)
            throw Error(which + ": the skeleton needs at least " + std::to_string(kMinimumAdaptationJoints) + " joints");
    }
}

PairSample LimbWarpedPhotos::pair(std::size_t index, std::uint64_t /*seed: the loader's augmentation draws its own*/) const {
    const PersonPhoto& photo = m_photos[index % m_photos.size()];
    PairSample pair = fromSynth(m_generator.generate(photo.image, photo.pose, synth::mix64(0x5EEDF00Dull ^ index)));
    return inDirection(std::move(pair), !m_generator.config().warpedIsReference, index, m_photos.size(), m_directions);
}

namespace {
synth::PortraitGeneratorConfig portraitCanvas(int height, int width) {
    synth::PortraitGeneratorConfig c;
    c.height = height;
    c.width = width;
    return c;
}
}  // namespace

LandmarkWarpedPhotos::LandmarkWarpedPhotos(std::vector<FacePhoto> faces, std::string description, int height, int width,
                                           PhotoPairs directions)
    : m_faces(std::move(faces)), m_description(std::move(description)), m_generator(portraitCanvas(height, width)),
      m_directions(directions) {
    if (m_faces.empty()) throw Error(m_description + ": no face to adapt to");
    for (std::size_t i = 0; i < m_faces.size(); ++i) {
        const std::string which = m_description + ", face " + std::to_string(i + 1);
        checkCanvasImage(m_faces[i].image, height, width, which);
        face::validate(m_faces[i].landmarks, which);
    }
}

PairSample LandmarkWarpedPhotos::pair(std::size_t index, std::uint64_t /*seed: the loader's augmentation draws its own*/) const {
    const FacePhoto& face = m_faces[index % m_faces.size()];
    PairSample pair = fromSynth(m_generator.generate(face.image, face.landmarks, synth::mix64(0xFACEF00Dull ^ index)));
    return inDirection(std::move(pair), /*photoIsReference=*/true, index, m_faces.size(), m_directions);
}

LossWeights adaptationLossWeights(model::SemanticsKind kind) {
    return withLossWeights(LossWeights{}, kind == model::SemanticsKind::Body
                                              ? "attn=5,flow=0,perc=0,face=0,style=0,adv=0,l1=1,warp=5,skel=0.1"
                                              : "attn=5,flow=0,perc=0,face=0,style=0,adv=0,l1=1,warp=5,skel=0");
}

AdaptationResult adaptWeights(const std::string& weightsPath, std::vector<PersonPhoto> photos, const std::string& description,
                              const std::string& outPath, const AdaptationOptions& options,
                              const std::function<bool(const AdaptationProgress&)>& progress) {
    return adaptWeights(std::make_shared<const model::SafetensorsContent>(model::readSafetensors(weightsPath)), weightsPath,
                        std::move(photos), description, outPath, options, progress);
}

AdaptationResult adaptWeights(std::shared_ptr<const model::SafetensorsContent> weights, const std::string& weightsPath,
                              std::vector<PersonPhoto> photos, const std::string& description, const std::string& outPath,
                              const AdaptationOptions& options, const std::function<bool(const AdaptationProgress&)>& progress) {
    if (options.steps < 1) throw Error("an adaptation needs at least one step");
    const model::ModelConfig config = configOf(*weights, weightsPath, model::SemanticsKind::Body, "person");
    auto data = std::make_shared<const LimbWarpedPhotos>(std::move(photos), description, config.height, config.canvasWidth);
    return runAdaptation(std::move(weights), weightsPath, config, std::move(data), outPath, options, progress);
}

AdaptationResult adaptWeights(std::shared_ptr<const model::SafetensorsContent> weights, const std::string& weightsPath,
                              std::vector<FacePhoto> faces, const std::string& description, const std::string& outPath,
                              const AdaptationOptions& options, const std::function<bool(const AdaptationProgress&)>& progress) {
    if (options.steps < 1) throw Error("an adaptation needs at least one step");
    const model::ModelConfig config = configOf(*weights, weightsPath, model::SemanticsKind::Face, "face");
    auto data = std::make_shared<const LandmarkWarpedPhotos>(std::move(faces), description, config.height, config.canvasWidth);
    return runAdaptation(std::move(weights), weightsPath, config, std::move(data), outPath, options, progress);
}

}  // namespace marionette::train
