#include "marionette/edit/repose_session.h"

#include "crop_synthesis.h"
#include "hybrid_compositing.h"
#include "marionette/deform/puppet.h"
#include "marionette/detect/movenet.h"
#include "marionette/detect/person_segmenter.h"
#include "marionette/edit/flow_prior.h"
#include "marionette/edit/reference_pose.h"
#include "marionette/edit/synthesis_maps.h"
#include "marionette/engine/engine.h"
#include "marionette/image/colour_maps.h"
#include "marionette/image/crop.h"
#include "marionette/image/tensor_image.h"
#include "marionette/model/weights.h"
#include "marionette/pose/heatmap.h"
#include "marionette/synth/limb_warp.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <torch/types.h>

#include <opencv2/imgproc.hpp>

#include <chrono>
#include <optional>

namespace marionette::edit {

const char* toString(ReposeMethod method) { return method == ReposeMethod::Network ? "network" : "hybrid"; }

std::optional<ReposeMethod> reposeMethodFromString(const std::string& text) {
    if (text == "hybrid") return ReposeMethod::Hybrid;
    if (text == "network") return ReposeMethod::Network;
    return std::nullopt;
}

namespace detail {

engine::EngineOptions engineOptions(const SessionOptions& o) { return {o.device, o.threads}; }

std::unique_ptr<engine::Engine> loadEngine(const std::string& path, const SessionOptions& options,
                                           model::SemanticsKind expected, const std::string& wrongKindMessage) {
    auto engine = std::make_unique<engine::Engine>(path, engineOptions(options));
    if (engine->config().semantics != expected) throw Error(path + ": " + wrongKindMessage);
    return engine;
}

std::unique_ptr<engine::Engine> randomEngine(const model::ModelConfig& config, std::uint64_t seed,
                                             const SessionOptions& options, model::SemanticsKind expected) {
    if (config.semantics != expected)
        throw Error(std::string("the random weights must be a ") + model::toString(expected) + " model");
    config.validate();
    torch::manual_seed(seed);
    return std::make_unique<engine::Engine>(model::Generator(config), engineOptions(options),
                                            R"({"random_init": true})");
}

namespace {
bool sameBox(const Box& a, const Box& b) {
    return a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height;
}
}  // namespace

CropSynthesis::CropSynthesis(std::unique_ptr<engine::Engine> engine) : m_engine(std::move(engine)) {}

void CropSynthesis::setPhoto(const cv::Mat& photo) {
    if (photo.empty() || photo.type() != CV_8UC3) throw Error("the photo must be an 8-bit colour image");
    m_photo = photo;
    m_preparedBox.reset();
}

RenderedFrame CropSynthesis::render(const Box& box, const SemanticsOnCanvas& reference, const SemanticsOnCanvas& target,
                                    bool preview, const PreviewWarp& previewWarp, const MapSelection& requested,
                                    const cv::Mat& pasteRegion, const FlowPriorOnCanvas& flowPrior) {
    if (m_photo.empty()) throw Error("no photo is open");
    const auto start = std::chrono::steady_clock::now();
    const ImageSize canvasSize = canvas();
    const ImageSize photoSize{m_photo.cols, m_photo.rows};
    RenderedFrame frame;
    frame.cropBox = box;
    const BoxToCanvas toCanvas{box, canvasSize.width, canvasSize.height};
    if (!m_preparedBox || !sameBox(*m_preparedBox, box)) {
        m_preparedBox.reset();
        m_referenceCrop = image::cropToCanvas(m_photo, box, canvasSize);
        m_referenceTensor = image::imageToTensor(m_referenceCrop);
        m_engine->prepare(m_referenceTensor, reference(toCanvas));
        m_pasteAlpha = pasteBackAlpha(box, photoSize, canvasSize);
        m_preparedBox = box;
        frame.prepared = true;
    }
    engine::SynthesisResult result;
    // A model with a flow prior reads the geometric warp's flow with every synthesis (model.md, "Flow prior").
    const bool withPrior = m_engine->config().usesFlowPrior();
    if (withPrior && !flowPrior) throw Error("this model refines a flow prior, and this session gives it none");
    const auto synthesize = [&](const at::Tensor& semantics, const engine::MapRequest& maps) {
        return withPrior ? m_engine->synthesize(semantics, flowPrior(toCanvas), maps)
                         : m_engine->synthesize(semantics, maps);
    };
    frame.preview = preview;
    if (preview) {
        const auto warpStart = std::chrono::steady_clock::now();
        const at::Tensor warped = previewWarp ? previewWarp(m_referenceTensor, toCanvas) : at::Tensor();
        if (warped.defined()) {
            result.image = warped;
            result.totalMilliseconds =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - warpStart).count();
            result.timings = {{"preview warp", result.totalMilliseconds}};
        } else {
            frame.preview = m_engine->hasPreview();
            result = frame.preview ? m_engine->preview(target(toCanvas)) : synthesize(target(toCanvas), {});
        }
    } else {
        const auto semantics = target(toCanvas);
        engine::MapRequest maps;
        maps.flow = requested.flow;
        maps.combination = requested.combination;
        maps.attentionWarped = requested.attentionWarped;
        maps.flowWarped = requested.flowWarped;
        // A prior model's V comes with every full synthesis: the hybrid method decides with it where the network
        // draws at the photo's resolution.
        maps.visibility = withPrior;
        if (requested.attentionPoint) maps.attentionPoint = toCanvas.toCanvas(*requested.attentionPoint);
        result = synthesize(semantics, maps);
        frame.maps = mapImagesOf(result, m_referenceCrop);
        if (!requested.visibility) frame.maps.visibility.release();
        if (result.visibility.defined()) frame.visibility = image::tensorToFloatMap(result.visibility);
    }
    frame.output = image::tensorToImage(result.image);
    frame.referenceCrop = m_referenceCrop;
    frame.pasteAlpha = pasteRegion.empty() ? m_pasteAlpha : pasteBackAlpha(box, photoSize, canvasSize, pasteRegion);
    frame.pasteRegion = pasteRegion;
    frame.synthesisMilliseconds = result.totalMilliseconds;
    frame.timings = result.timings;
    frame.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return frame;
}

}  // namespace detail

// synthesis_maps.h: defined here, beside its only other user, to keep the files that parse torch few.
MapImages mapImagesOf(const engine::SynthesisResult& r, const cv::Mat& referenceCrop) {
    MapImages maps;
    if (r.flow.defined()) maps.flow = image::flowToColour(r.flow);
    if (r.combination.defined()) maps.combination = image::heatToColour(r.combination, 0.f, 1.f);
    if (r.visibility.defined()) maps.visibility = image::heatToColour(r.visibility, 0.f, 1.f);
    if (r.attention.defined()) {
        // C is a softmax over thousands of positions: scaled to its own maximum and drawn over the darkened
        // reference with its own strength as alpha, so a sharp peak and a diffuse spread both show.
        const auto normalised = r.attention / r.attention.max().clamp_min(1e-12);
        const cv::Mat heat = image::heatToColour(normalised, 0.f, 1.f);
        cv::Mat darkened;
        referenceCrop.convertTo(darkened, -1, 0.45);
        maps.attention = image::blendOver(darkened, heat, 1.0f, image::tensorToFloatMap(normalised.sqrt()));
    }
    if (r.attentionWarped.defined()) maps.attentionWarped = image::tensorToImage(r.attentionWarped);
    if (r.flowWarped.defined()) maps.flowWarped = image::tensorToImage(r.flowWarped);
    return maps;
}

cv::Mat editedPhoto(const cv::Mat& photo, const RenderedFrame& frame) {
    if (frame.method == ReposeMethod::Hybrid && !frame.photoResult.empty()) return frame.photoResult;
    return composite(photo, frame.output, frame.cropBox, frame.pasteRegion);
}

bool cudaAvailable() { return engine::cudaAvailable(); }

CropSession::CropSession(std::unique_ptr<engine::Engine> engine)
    : m_synthesis(std::make_unique<detail::CropSynthesis>(std::move(engine))) {}
CropSession::~CropSession() = default;

const model::ModelConfig& CropSession::config() const { return m_synthesis->engine().config(); }
model::TrainingSummary CropSession::training() const {
    return model::summarizeTraining(m_synthesis->engine().trainingJson());
}
ImageSize CropSession::canvas() const { return m_synthesis->canvas(); }
std::string CropSession::deviceName() const { return m_synthesis->engine().deviceName(); }
bool CropSession::onCuda() const { return m_synthesis->engine().onCuda(); }
bool CropSession::hasPhoto() const { return m_synthesis->hasPhoto(); }

namespace {
// A pixel the mesh moves by less than this fraction of the torso's length is where it was (the hybrid's V).
constexpr double kMovedPersonTolerance = 0.01;
}  // namespace

struct ReposeSession::State {
    State() {
        // Without the segmentation model the paste-back region falls back on the skeleton alone.
        try {
            segmenter.emplace();
        } catch (const std::exception& e) {
            log::warning("person segmentation unavailable, pasting around the skeleton only: ", e.what());
        }
    }
    pose::Pose reference;
    std::optional<detect::PersonSegmenter> segmenter;
    cv::Mat personMask;  // the photo's, float; empty without a segmenter
    // Finds the other people in a photo (loaded on first use; without it, nobody else is known).
    std::optional<detect::MoveNet> peopleDetector;
    bool peopleDetectorTried = false;

    // What setPhoto learns from the pixels alone, kept while the same photo comes back with another reference
    // (a corrected joint): the person mask and everyone the detector found.
    cv::Mat analysedPhoto;
    std::optional<std::vector<pose::Pose>> peopleFound;

    bool isAnalysed(const cv::Mat& photo) const {
        return !analysedPhoto.empty() && analysedPhoto.size() == photo.size() && analysedPhoto.type() == photo.type() &&
               cv::norm(analysedPhoto, photo, cv::NORM_INF) == 0;
    }

    void analyse(const cv::Mat& photo) {
        if (isAnalysed(photo)) return;
        analysedPhoto.release();
        peopleFound.reset();
        personMask.release();
        if (segmenter) personMask = segmenter->segment(photo);
        analysedPhoto = photo.clone();
    }

    std::vector<pose::Pose> otherPeopleIn(const cv::Mat& photo) {
        if (!peopleFound) {
            if (!peopleDetectorTried) {
                peopleDetectorTried = true;
                try {
                    peopleDetector.emplace(detect::bundledModelPath(detect::MoveNetVariant::MultiPose));
                } catch (const std::exception& e) {
                    log::warning(
                        "the multi-person detector is unavailable; people touching the person may move with them: ",
                        e.what());
                }
            }
            peopleFound.emplace();
            if (peopleDetector) {
                for (const auto& detection : peopleDetector->detectPeople(photo)) {
                    if (detection.found) peopleFound->push_back(detection.pose);
                }
            }
        }
        return otherPeople(*peopleFound, reference);
    }
    // The photo's person as a mesh layer (Hybrid); empty, with the reason, when none could be made.
    std::optional<deform::Puppet> puppet;
    std::string puppetError;
};

ReposeSession::ReposeSession(const std::string& weightsPath, const SessionOptions& options)
    : CropSession(detail::loadEngine(weightsPath, options, model::SemanticsKind::Body,
                                     "this weights file is for portraits; open a body model to repose people")),
      m_state(std::make_unique<State>()) {}

ReposeSession::ReposeSession(const model::ModelConfig& config, std::uint64_t seed, const SessionOptions& options)
    : CropSession(detail::randomEngine(config, seed, options, model::SemanticsKind::Body)),
      m_state(std::make_unique<State>()) {}

ReposeSession::~ReposeSession() = default;

void ReposeSession::setPhoto(const cv::Mat& photo, const pose::Pose& reference,
                             const std::optional<std::vector<pose::Pose>>& others) {
    if (reference.presentCount() < 2) throw Error("the reference skeleton needs at least two joints");
    synthesis().setPhoto(photo);
    m_state->reference = reference;
    m_state->puppet.reset();
    m_state->puppetError.clear();
    m_state->analyse(photo);
    if (m_state->personMask.empty()) {
        m_state->puppetError = "the person segmentation model is not available";
        return;
    }
    try {
        deform::PuppetOptions options;
        options.layer.others = others ? *others : m_state->otherPeopleIn(photo);
        m_state->puppet.emplace(photo, m_state->personMask, reference, options);
    } catch (const Error& e) {
        m_state->puppetError = e.what();
        log::warning("the photo's pixels cannot follow the skeleton, the network redraws the person instead: ",
                     e.what());
    }
}

bool ReposeSession::canDeform() const { return m_state->puppet.has_value(); }
std::string ReposeSession::deformUnavailableReason() const { return m_state->puppetError; }

cv::Mat ReposeSession::drawMesh(const cv::Mat& image, const pose::Pose& target) const {
    return m_state->puppet ? m_state->puppet->drawMesh(image, target) : image.clone();
}

RenderedFrame ReposeSession::render(const RenderRequest& request) {
    State& s = *m_state;
    if (!hasPhoto()) throw Error("no photo is open");
    const ImageSize canvas = this->canvas();
    const cv::Mat& photo = synthesis().photo();
    const Box box = reposeCropBox(s.reference, request.target, ImageSize{photo.cols, photo.rows}, canvas);
    const auto heatmapsOf = [canvas](const pose::Pose& p) {
        return [&p, canvas](const BoxToCanvas& toCanvas) {
            return pose::renderHeatmaps(p.mapped([&](Point2 q) { return toCanvas.toCanvas(q); }), canvas.height,
                                        canvas.width);
        };
    };
    // The drag preview: the reference crop carried along its bones to the target skeleton (synth's limb warp,
    // the one that makes training pairs from photos), sharp and instant, though it knows nothing of clothes.
    const detail::PreviewWarp limbWarp = [&](const at::Tensor& referenceCrop, const BoxToCanvas& toCanvas) {
        const auto onCanvas = [&](Point2 q) { return toCanvas.toCanvas(q); };
        return synth::warpByLimbs(referenceCrop, s.reference.mapped(onCanvas), request.target.mapped(onCanvas),
                                  synth::LimbWarpConfig{}.blendAt(canvas.height));
    };
    // A model with a flow prior refines the warp the photo's pixels follow: the mesh's in hybrid mode, else the
    // skeletons' limb warp, as its training pairs had (model.md, "Flow prior").
    // Kept: the hybrid method reads which pixels the mesh moves from the same flow.
    at::Tensor priorGiven;
    const detail::FlowPriorOnCanvas flowPrior = [&](const BoxToCanvas& toCanvas) {
        priorGiven = request.method == ReposeMethod::Hybrid && s.puppet
                         ? meshFlowOnCanvas(*s.puppet, request.target, request.depth, toCanvas)
                         : limbWarpFlowOnCanvas(s.reference, request.target, toCanvas);
        return priorGiven;
    };
    const auto network = [&](bool preview) {
        return synthesis().render(
            box, heatmapsOf(s.reference), heatmapsOf(request.target), preview, limbWarp, request.maps,
            pasteRegion(request.paste, s.reference, request.target, box, canvas, s.personMask), flowPrior);
    };
    if (request.method == ReposeMethod::Network || !s.puppet) {
        RenderedFrame frame = network(request.preview);
        if (request.method == ReposeMethod::Hybrid)
            frame.warnings.push_back("the photo's pixels cannot follow the skeleton (" + s.puppetError +
                                     "): the network redrew the person");
        return frame;
    }

    // Hybrid: the warp at the photo's resolution; the network for what the photo never showed and for maps.
    const auto start = std::chrono::steady_clock::now();
    const deform::PuppetFrame warped = s.puppet->pose(
        request.target, request.depth, request.preview ? deform::FillQuality::Fast : deform::FillQuality::Best);
    const bool personHoles = !warped.personHoles.empty() && cv::countNonZero(warped.personHoles) > 0;
    const bool runNetwork = !request.preview && (personHoles || request.maps.any());
    RenderedFrame frame;
    if (runNetwork) frame = network(false);
    // A model with a flow prior decides with its V how far around the person's holes the network draws, among the
    // pixels the mesh moves (the background the person uncovered keeps the photo's own fill).
    cv::Mat fill = warped.personHoles;
    if (runNetwork && personHoles && !frame.visibility.empty() && priorGiven.defined()) {
        const double torso = pose::torsoLength(s.reference);
        const cv::Mat moved = movedPixels(
            priorGiven, kMovedPersonTolerance * torso * BoxToCanvas{box, canvas.width, canvas.height}.scaleX());
        fill = detail::networkFillRegion(frame.visibility, moved, box, warped.changed, warped.personHoles,
                                         detail::kVisibilityReach * torso);
    }
    frame.method = ReposeMethod::Hybrid;
    frame.cropBox = box;
    frame.preview = request.preview;
    frame.photoResult = warped.image;
    frame.changed = warped.changed;
    frame.holeMask = warped.holes;
    frame.personAlpha = warped.personAlpha;
    frame.flippedTriangles = warped.flippedTriangles;
    frame.deformMilliseconds = warped.milliseconds;
    frame.warnings = s.puppet->layer().warnings;
    if (runNetwork && personHoles) {
        cv::Mat changedPixels = frame.photoResult(frame.changed);
        const cv::Mat weights =
            detail::blendNetworkIntoHoles(changedPixels, detail::canvasOverArea(frame.output, box, frame.changed), fill,
                                          warped.personAlpha, pose::torsoLength(s.reference));
        frame.networkMask = weights > 0.5f;
    }
    if (!request.preview && request.maps.any()) {
        frame.maps.mesh = image::cropToCanvas(s.puppet->drawMesh(frame.photoResult, request.target), box, canvas);
        if (!frame.changed.empty())
            frame.maps.holes =
                detail::holesMap(frame.photoResult, frame.changed, frame.holeMask, frame.networkMask, box, canvas);
    }
    if (frame.referenceCrop.empty()) frame.referenceCrop = image::cropToCanvas(photo, box, canvas);
    // What this frame shows, cut to the crop like the network's output (the sharp result is photoResult).
    frame.output = image::cropToCanvas(frame.photoResult, box, canvas);
    frame.pasteAlpha = pasteBackAlpha(box, ImageSize{photo.cols, photo.rows}, canvas);
    frame.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    frame.timings.insert(frame.timings.begin(), {"deform", warped.milliseconds});
    return frame;
}

}  // namespace marionette::edit
