#include "marionette/train/adaptation.h"

#include "marionette/engine/engine.h"
#include "marionette/model/safetensors.h"
#include "marionette/model/warps.h"
#include "marionette/model/weights.h"
#include "marionette/synth/random.h"
#include "marionette/train/losses.h"
#include "marionette/train/trainer.h"
#include "marionette/util/error.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace marionette::train {
namespace {

namespace fs = std::filesystem;

const std::string kScratchPrefix = "marionette-adapt-";

}  // namespace

int removeAbandonedScratchFolders(const std::string& folder) {
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(kScratchPrefix, 0) != 0 || !entry.is_directory(ec)) continue;
        const std::size_t digits = name.find('-', kScratchPrefix.size());
        if (digits == std::string::npos || digits == kScratchPrefix.size()) continue;  // not "<pid>-<n>"
        const std::string pidText = name.substr(kScratchPrefix.size(), digits - kScratchPrefix.size());
        if (pidText.find_first_not_of("0123456789") != std::string::npos || pidText.size() > 9) continue;
        const pid_t pid = static_cast<pid_t>(std::stol(pidText));
        if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // running, or not ours to judge
        if (fs::remove_all(entry.path(), ec) > 0 && !ec) ++removed;
    }
    return removed;
}

namespace {

// A fresh folder for the trainer's run files, removed with everything in it when the adaptation ends.
class ScratchFolder {
public:
    ScratchFolder() {
        const auto stamp = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::error_code ec;
        const fs::path temporary = fs::temp_directory_path(ec);
        if (!ec) removeAbandonedScratchFolders(temporary.string());
        for (int attempt = 0; attempt < 16; ++attempt) {
            m_path = temporary / (kScratchPrefix + std::to_string(::getpid()) + "-" +
                                  std::to_string(synth::mix64(stamp + attempt)));
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

void checkCanvasImage(const at::Tensor& image, int height, int width, const std::string& which) {
    if (!image.defined() || image.dim() != 3 || image.size(0) != 3 || image.size(1) != height || image.size(2) != width)
        throw Error(which + ": the crop must be [3, " + std::to_string(height) + ", " + std::to_string(width) +
                    "] (the model's canvas)");
}

void checkKind(const AdaptationBase& base, model::SemanticsKind needed, const std::string& adaptedTo) {
    if (base.config.semantics != needed)
        throw Error(base.path + ": adapting to a photo's " + adaptedTo + " needs " +
                    (needed == model::SemanticsKind::Body ? "body" : "portrait") + " weights; these are for " +
                    model::toString(base.config.semantics));
}

AdaptationResult runAdaptation(const AdaptationBase& base, std::shared_ptr<const PairDataset> data,
                               const std::string& outPath, const AdaptationOptions& options,
                               const std::function<bool(const AdaptationProgress&)>& progress) {
    if (options.steps < 1) throw Error("an adaptation needs at least one step");
    ScratchFolder scratch;
    TrainOptions o;
    o.model = base.config;
    o.stage1Steps = 0;
    o.stage2Steps = options.steps;
    o.batchSize = options.batchSize;
    o.learningRate = options.learningRate;
    o.weights = adaptationLossWeights(base.config.semantics);
    o.device = options.device;
    o.threads = options.threads;
    // Drawing a pair's warp takes the loader about 0.1 s of CPU: on a CPU that is little beside a step of
    // seconds, on a GPU it would bound the step, so more loader threads feed it there.
    const bool onCuda = engine::resolveDevice(options.device).is_cuda();
    o.loaderWorkers = onCuda ? static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u)) : 1;
    o.seed = options.seed;
    o.runDirectory = scratch.path();
    o.checkpointEvery = options.steps + 1;  // only the one at the end, which the scratch folder takes away
    o.keepCheckpoints = 1;
    o.logEvery = options.steps;
    o.sampleEvery = options.steps + 1;
    o.initWeights = base.path;
    o.initContent = base.content;

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

WarpedPhotoPairs::WarpedPhotoPairs(std::string description, std::size_t photoCount, PhotoPairs directions,
                                   const std::string& nothing)
    : m_description(std::move(description)), m_photoCount(photoCount), m_directions(directions) {
    if (m_photoCount == 0) throw Error(m_description + ": " + nothing);
}

// Both directions, by the parity of the draw: with the photo always the target, the target semantics would
// always be the photo's, and the network learns to ignore them and redraw the photo (seen after 600 steps on
// the sample: the raised arm of an edit disappeared). Draw i of a photo goes from the warped copy to the
// photo when i / photoCount is even, unless all go from the photo.
PairSample WarpedPhotoPairs::pair(std::size_t index,
                                  std::uint64_t /*seed: the loader's augmentation draws its own*/) const {
    Warped warped = warp(index);
    const bool photoShouldBeReference = m_directions == PhotoPairs::FromPhoto || (index / m_photoCount) % 2 == 1;
    PairSample& p = warped.pair;
    if (warped.photoIsReference != photoShouldBeReference) {
        std::swap(p.reference, p.target);
        std::swap(p.referencePose, p.targetPose);
        std::swap(p.referenceFace, p.targetFace);
    }
    addCorrespondence(p, photoShouldBeReference);
    return std::move(p);
}

void LimbWarpedPhotos::addCorrespondence(PairSample& pair, bool photoIsReference) const {
    const int height = static_cast<int>(pair.reference.size(1)), width = static_cast<int>(pair.reference.size(2));
    Correspondence c = limbWarpCorrespondence(pair.referencePose, pair.targetPose, photoIsReference, height, width,
                                              m_generator.config().blendAt(height));
    pair.targetSource = std::move(c.source);
    pair.targetSourceKnown = std::move(c.known);
}

Correspondence warpCorrespondence(const at::Tensor& photoToWarped, bool photoIsReference) {
    if (photoToWarped.dim() != 3 || photoToWarped.size(2) != 2)
        throw Error("a warp's sampling grid must be [H, W, 2] source pixels (x, y)");
    torch::NoGradGuard noGrad;
    const int64_t height = photoToWarped.size(0), width = photoToWarped.size(1);
    const auto inside = [&](const at::Tensor& xy) {  // [2, H, W] -> [1, H, W]
        return ((xy.select(0, 0) >= 0) & (xy.select(0, 0) <= width - 1) & (xy.select(0, 1) >= 0) &
                (xy.select(0, 1) <= height - 1))
            .unsqueeze(0);
    };
    const auto s = photoToWarped.to(torch::kFloat32).permute({2, 0, 1}).contiguous();
    // The target is the warped photo: target pixel q shows the reference (the photo) at S(q).
    if (photoIsReference) return {s, inside(s).to(torch::kFloat32)};
    // The reference is the warped photo: reference pixel p shows the target (the photo) at S(p); target pixel q
    // is shown by the p with S(p) = q. S is smooth and close to a similarity locally, so p <- p + (q - S(p))
    // converges where it does not fold.
    const auto q = model::pixelCentres(height, width);
    auto p = q.clone();
    at::Tensor residual;
    for (int iteration = 0; iteration < 30; ++iteration) {
        residual = q - synth::sampleAtPixels(s, p.permute({1, 2, 0}));
        p = p + residual;
    }
    residual = q - synth::sampleAtPixels(s, p.permute({1, 2, 0}));
    const auto converged = std::get<0>(residual.abs().max(0, /*keepdim=*/true)) < 0.25;
    return {p, (converged & inside(p)).to(torch::kFloat32)};
}

Correspondence limbWarpCorrespondence(const pose::Pose& referencePose, const pose::Pose& targetPose,
                                      bool photoIsReference, int height, int width, const synth::LimbBlend& blend) {
    const pose::Pose& photo = photoIsReference ? referencePose : targetPose;
    const pose::Pose& warped = photoIsReference ? targetPose : referencePose;
    return warpCorrespondence(synth::limbWarpSourceCoordinates(photo, warped, height, width, blend), photoIsReference);
}

LimbWarpedPhotos::LimbWarpedPhotos(std::vector<PersonPhoto> photos, std::string description, int height, int width,
                                   synth::LimbWarpConfig warp, PhotoPairs directions)
    : WarpedPhotoPairs(std::move(description), photos.size(), directions, "no photo to adapt to"),
      m_photos(std::move(photos)),
      m_generator(warp) {
    for (std::size_t i = 0; i < m_photos.size(); ++i) {
        const PersonPhoto& p = m_photos[i];
        const std::string which = this->description() + ", photo " + std::to_string(i + 1);
        checkCanvasImage(p.image, height, width, which);
        pose::validate(p.pose, which);
        if (p.pose.presentCount() < kMinimumAdaptationJoints)
            throw Error(which + ": the skeleton needs at least " + std::to_string(kMinimumAdaptationJoints) +
                        " joints");
    }
}

WarpedPhotoPairs::Warped LimbWarpedPhotos::warp(std::size_t index) const {
    const PersonPhoto& photo = m_photos[index % m_photos.size()];
    return {fromSynth(m_generator.generate(photo.image, photo.pose, synth::mix64(0x5EEDF00Dull ^ index))),
            !m_generator.config().warpedIsReference};
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
    : WarpedPhotoPairs(std::move(description), faces.size(), directions, "no face to adapt to"),
      m_faces(std::move(faces)),
      m_generator(portraitCanvas(height, width)) {
    for (std::size_t i = 0; i < m_faces.size(); ++i) {
        const std::string which = this->description() + ", face " + std::to_string(i + 1);
        checkCanvasImage(m_faces[i].image, height, width, which);
        face::validate(m_faces[i].landmarks, which);
    }
}

WarpedPhotoPairs::Warped LandmarkWarpedPhotos::warp(std::size_t index) const {
    const FacePhoto& face = m_faces[index % m_faces.size()];
    return {fromSynth(m_generator.generate(face.image, face.landmarks, synth::mix64(0xFACEF00Dull ^ index))),
            /*photoIsReference=*/true};
}

void LandmarkWarpedPhotos::addCorrespondence(PairSample& pair, bool photoIsReference) const {
    const int height = static_cast<int>(pair.reference.size(1)), width = static_cast<int>(pair.reference.size(2));
    const face::FaceLandmarks& photo = photoIsReference ? *pair.referenceFace : *pair.targetFace;
    const face::FaceLandmarks& warped = photoIsReference ? *pair.targetFace : *pair.referenceFace;
    const synth::PortraitGeneratorConfig& c = m_generator.config();
    Correspondence correspondence = warpCorrespondence(
        synth::landmarkWarpSourceCoordinates(photo, warped, height, width, c.borderAnchorsPerSide, c.mergeDistance),
        photoIsReference);
    pair.targetSource = std::move(correspondence.source);
    pair.targetSourceKnown = std::move(correspondence.known);
}

LossWeights adaptationLossWeights(model::SemanticsKind kind) {
    return withLossWeights(LossWeights{}, kind == model::SemanticsKind::Body
                                              ? "attn=5,flow=0,perc=0,face=0,style=0,adv=0,l1=1,warp=5,skel=0.1"
                                              : "attn=5,flow=0,perc=0,face=0,style=0,adv=0,l1=1,warp=5,skel=0");
}

AdaptationBase AdaptationBase::read(const std::string& path) {
    return of(std::make_shared<const model::SafetensorsContent>(model::readSafetensors(path)), path);
}

AdaptationBase AdaptationBase::of(std::shared_ptr<const model::SafetensorsContent> content, std::string path) {
    const model::ModelConfig config = model::configFromMetadata(*content, path);
    return {std::move(content), std::move(path), config};
}

AdaptationResult adaptWeights(const AdaptationBase& base, std::vector<PersonPhoto> photos,
                              const std::string& description, const std::string& outPath,
                              const AdaptationOptions& options,
                              const std::function<bool(const AdaptationProgress&)>& progress) {
    checkKind(base, model::SemanticsKind::Body, "person");
    auto data = std::make_shared<const LimbWarpedPhotos>(std::move(photos), description, base.config.height,
                                                         base.config.canvasWidth);
    return runAdaptation(base, std::move(data), outPath, options, progress);
}

AdaptationResult adaptWeights(const AdaptationBase& base, std::vector<FacePhoto> faces, const std::string& description,
                              const std::string& outPath, const AdaptationOptions& options,
                              const std::function<bool(const AdaptationProgress&)>& progress) {
    checkKind(base, model::SemanticsKind::Face, "face");
    auto data = std::make_shared<const LandmarkWarpedPhotos>(std::move(faces), description, base.config.height,
                                                             base.config.canvasWidth);
    return runAdaptation(base, std::move(data), outPath, options, progress);
}

}  // namespace marionette::train
