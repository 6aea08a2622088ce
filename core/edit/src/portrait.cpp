#include "marionette/edit/portrait.h"
#include "marionette/edit/portrait_session.h"

#include "crop_synthesis.h"
#include "hybrid_compositing.h"
#include "marionette/deform/face_warp.h"
#include "marionette/edit/flow_prior.h"
#include "marionette/edit/round_trip.h"
#include "marionette/face/face_fit.h"
#include "marionette/face/part_maps.h"
#include "marionette/face_detect/face_detector.h"
#include "marionette/image/crop.h"
#include "marionette/synth/limb_warp.h"
#include "marionette/synth/thin_plate_spline.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <torch/nn/functional/upsampling.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>

namespace marionette::edit {
namespace {

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string validExpressionNames(const face::MorphableModel& model) {
    std::string names;
    for (const auto& e : model.expressions()) names += (names.empty() ? "" : ", ") + e.name;
    for (const auto& p : expressionPairs(model)) names += ", " + p.stem;
    return names;
}

}  // namespace

PortraitFace fitPortraitFace(const face::FaceLandmarks& observed, ImageSize photo, int faceIndex, int faceCount) {
    face::validate(observed, "the face's landmarks");
    const auto start = std::chrono::steady_clock::now();
    const face::MorphableModel& model = face::MorphableModel::standard();
    auto fit = std::make_shared<face::FaceFit>(face::fitFace(model, observed, face::defaultCamera(photo)));
    PortraitFace out;
    out.observed = observed;
    out.fitted = fit->parameters;
    out.rmsResidual = fit->rmsResidual;
    out.fit = std::move(fit);
    out.faceBox = observed.bounds();
    out.faceIndex = faceIndex;
    out.faceCount = faceCount;
    out.fitMilliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return out;
}

PortraitFace findPortraitFace(const cv::Mat& photo, const std::string& sourceName, int faceIndex) {
    if (faceIndex < 0) throw Error(sourceName + ": the face index must be 0 (the largest face) or more");
    auto detector = face_detect::FaceDetector::shared();
    const auto faces = detector->detectAll(photo, sourceName);
    const ImageSize size{photo.cols, photo.rows};
    const face_detect::DetectedFace chosen = face_detect::pickFace(faces, faceIndex, size, sourceName);
    PortraitFace out = fitPortraitFace(chosen.landmarks, size, faceIndex, static_cast<int>(faces.size()));
    out.faceBox = chosen.box;
    return out;
}

face::FaceLandmarks portraitLandmarks(const PortraitFace& face, const face::FaceParameters& edited) {
    if (!face.fit) throw Error("the face has not been fitted");
    return face::editedLandmarks(face::MorphableModel::standard(), *face.fit, edited);
}

face::FaceLandmarks portraitLandmarks(const PortraitFace& face, const face::FaceParameters& edited,
                                      const std::array<Point2, face::kLandmarkCount>& offsets) {
    face::FaceLandmarks out = portraitLandmarks(face, edited);
    for (std::size_t i = 0; i < out.points.size(); ++i) {
        out.points[i].x += offsets[i].x;
        out.points[i].y += offsets[i].y;
    }
    return out;
}

double faceFillFraction(const Box& faceBox, ImageSize photo) {
    if (photo.width <= 0 || photo.height <= 0) return 0.0;
    const double x0 = std::max(0.0, faceBox.x), y0 = std::max(0.0, faceBox.y);
    const double x1 = std::min<double>(photo.width, faceBox.right()),
                 y1 = std::min<double>(photo.height, faceBox.bottom());
    if (x1 <= x0 || y1 <= y0) return 0.0;
    return (x1 - x0) * (y1 - y0) / (static_cast<double>(photo.width) * photo.height);
}

bool looksLikePortrait(const Box& faceBox, ImageSize photo) {
    return faceFillFraction(faceBox, photo) >= kPortraitModeFaceFraction;
}

Box portraitCropBox(const face::FaceLandmarks& reference, ImageSize photo, ImageSize canvas) {
    return image::faceCropBox(reference, photo, canvas);
}

std::vector<ExpressionPair> expressionPairs(const face::MorphableModel& model) {
    std::vector<ExpressionPair> pairs;
    const auto& expressions = model.expressions();
    for (std::size_t i = 0; i < expressions.size(); ++i) {
        const std::string& name = expressions[i].name;
        if (!endsWith(name, "_left")) continue;
        const std::string stem = name.substr(0, name.size() - 5);
        for (std::size_t j = 0; j < expressions.size(); ++j) {
            if (expressions[j].name == stem + "_right")
                pairs.push_back({stem, static_cast<int>(i), static_cast<int>(j)});
        }
    }
    return pairs;
}

int pairedExpression(const face::MorphableModel& model, int index) {
    for (const auto& p : expressionPairs(model)) {
        if (p.left == index) return p.right;
        if (p.right == index) return p.left;
    }
    return -1;
}

void setExpressionByName(face::FaceParameters& parameters, const face::MorphableModel& model, const std::string& name,
                         double value) {
    for (const auto& e : model.expressions()) {
        if (e.name == name) {
            parameters.setExpression(model, name, value);
            return;
        }
    }
    for (const auto& p : expressionPairs(model)) {
        if (p.stem == name) {
            parameters.setExpression(model, model.expressions()[static_cast<std::size_t>(p.left)].name, value);
            parameters.setExpression(model, model.expressions()[static_cast<std::size_t>(p.right)].name, value);
            return;
        }
    }
    throw Error("unknown expression \"" + name + "\"; the model has " + validExpressionNames(model));
}

void applyExpressionList(face::FaceParameters& parameters, const face::MorphableModel& model, const std::string& list,
                         const std::string& what) {
    std::istringstream items(list);
    std::string item;
    bool any = false;
    while (std::getline(items, item, ',')) {
        if (item.empty()) continue;
        const auto equals = item.find('=');
        if (equals == std::string::npos || equals == 0)
            throw Error(what + ": \"" + item + "\" must be NAME=VALUE, like smile=0.6");
        const std::string name = item.substr(0, equals), text = item.substr(equals + 1);
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size())
            throw Error(what + ": the value of " + name + " must be a number, got \"" + text + "\"");
        try {
            setExpressionByName(parameters, model, name, value);
        } catch (const Error& e) {
            throw Error(what + ": " + e.what());
        }
        any = true;
    }
    if (!any) throw Error(what + ": no expression given; use NAME=VALUE[,NAME=VALUE...]");
}

face::FaceParameters applyFacePreset(const std::string& json, const std::string& sourceName,
                                     const face::FaceParameters& current, const face::MorphableModel& model) {
    face::FaceParameters base = current;
    base.expression.assign(static_cast<std::size_t>(model.expressionCount()), 0.0);
    return face::parametersFromJson(json, model, sourceName, base);
}

// --- PortraitSession ------------------------------------------------------------------------------------

struct PortraitSession::State {
    face::FaceLandmarks reference;
    Box box;
    // The face as a mesh over its landmarks (Hybrid); empty, with the reason, when none could be built.
    std::optional<deform::FaceWarp> warp;
    std::string warpError;
};

namespace {

std::vector<cv::Point2f> plainPoints(const face::FaceLandmarks& landmarks) {
    std::vector<cv::Point2f> out;
    for (const Point2& p : landmarks.points) out.emplace_back(p.x, p.y);
    return out;
}

}  // namespace

PortraitSession::PortraitSession(const std::string& weightsPath, const SessionOptions& options)
    : CropSession(detail::loadEngine(weightsPath, options, model::SemanticsKind::Face,
                                     "this weights file is for bodies; open a portrait model to edit faces")),
      m_state(std::make_unique<State>()) {}

PortraitSession::PortraitSession(const model::ModelConfig& config, std::uint64_t seed, const SessionOptions& options)
    : CropSession(detail::randomEngine(config, seed, options, model::SemanticsKind::Face)),
      m_state(std::make_unique<State>()) {}

PortraitSession::~PortraitSession() = default;

void PortraitSession::setPhoto(const cv::Mat& photo, const face::FaceLandmarks& reference) {
    face::validate(reference, "the face's reference landmarks");
    synthesis().setPhoto(photo);
    m_state->reference = reference;
    m_state->box = portraitCropBox(reference, ImageSize{photo.cols, photo.rows}, canvas());
    m_state->warp.reset();
    m_state->warpError.clear();
    try {
        m_state->warp.emplace(photo, plainPoints(reference));
    } catch (const Error& e) {
        m_state->warpError = e.what();
        log::warning("the photo's pixels cannot follow the face's landmarks, the network redraws the face instead: ",
                     e.what());
    }
}

bool PortraitSession::canDeform() const { return m_state->warp.has_value(); }
std::string PortraitSession::deformUnavailableReason() const { return m_state->warpError; }

cv::Mat PortraitSession::drawMesh(const cv::Mat& image, const face::FaceLandmarks& target) const {
    return m_state->warp ? m_state->warp->drawMesh(image, plainPoints(target)) : image.clone();
}

namespace {

// Moved-parts paste-back of a face, as fractions of its width: a landmark that moved less than the tolerance
// is where it was; a moved part takes the margin of skin around it and a seam of the feather's width.
constexpr double kMovedFaceTolerance = 0.01;
constexpr double kMovedPartMargin = 0.08;
constexpr double kMovedPartFeather = 0.08;
// The portrait preview's spline is evaluated on a grid of this step (canvas pixels) and interpolated.
constexpr int64_t kPreviewGridStep = 4;

// The face's width (jaw corner to jaw corner) in its own pixels, at least 1.
double faceWidth(const face::FaceLandmarks& f) {
    return std::max(1.0,
                    static_cast<double>(std::hypot(f.points[16].x - f.points[0].x, f.points[16].y - f.points[0].y)));
}

// One face's hull with a forehead, drawn into `mask` (canvas pixels); returns the face's width.
double drawFace(cv::Mat& mask, const face::FaceLandmarks& face) {
    const auto& p = face.points;
    Point2 brows{0.f, 0.f};
    for (int i = 17; i <= 26; ++i) {
        brows.x += p[static_cast<std::size_t>(i)].x / 10.f;
        brows.y += p[static_cast<std::size_t>(i)].y / 10.f;
    }
    const Point2 chin = p[8];
    // Up is from the chin to the brows, so that a rolled head gets its forehead on the right side.
    const float upX = brows.x - chin.x, upY = brows.y - chin.y;
    std::vector<cv::Point> points;
    for (const Point2& q : p)
        points.emplace_back(static_cast<int>(std::lround(q.x)), static_cast<int>(std::lround(q.y)));
    for (int i = 17; i <= 26; ++i) {
        const Point2& q = p[static_cast<std::size_t>(i)];
        points.emplace_back(static_cast<int>(std::lround(q.x + 0.6f * upX)),
                            static_cast<int>(std::lround(q.y + 0.6f * upY)));
    }
    std::vector<cv::Point> hull;
    cv::convexHull(points, hull);
    cv::fillConvexPoly(mask, hull, cv::Scalar(255));
    return faceWidth(face);
}

// Which of the 9 parts have a landmark that moved more than `tolerance` pixels.
std::array<bool, face::kPartCount> movedFaceParts(const face::FaceLandmarks& reference,
                                                  const face::FaceLandmarks& target, double tolerance) {
    std::array<bool, face::kPartCount> moved{};
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const Point2 a = reference.points[static_cast<std::size_t>(i)], b = target.points[static_cast<std::size_t>(i)];
        if (std::hypot(a.x - b.x, a.y - b.y) > tolerance) moved[static_cast<std::size_t>(face::partOf(i))] = true;
    }
    return moved;
}

void checkRegionSizes(const Box& box, ImageSize canvas) {
    if (canvas.width <= 0 || canvas.height <= 0 || box.width <= 0 || box.height <= 0)
        throw Error("the face's region needs a non-empty crop and canvas");
}

// The portrait's drag preview: the reference crop moved by the thin-plate spline that takes the target
// landmarks to the reference ones, the crop's border held still. Undefined (the engine's preview is used)
// when the landmarks give no spline (points that coincide).
at::Tensor landmarkWarp(const at::Tensor& referenceCrop, const face::FaceLandmarks& reference,
                        const face::FaceLandmarks& target, const BoxToCanvas& toCanvas) {
    const auto onCanvas = [&](Point2 q) { return toCanvas.toCanvas(q); };
    const face::FaceLandmarks from = reference.mapped(onCanvas), to = target.mapped(onCanvas);
    std::vector<Point2> controls(to.points.begin(), to.points.end()), values(from.points.begin(), from.points.end());
    const float w = static_cast<float>(toCanvas.canvasWidth - 1), h = static_cast<float>(toCanvas.canvasHeight - 1);
    for (const Point2 corner : {Point2{0, 0}, Point2{w / 2, 0}, Point2{w, 0}, Point2{w, h / 2}, Point2{w, h},
                                Point2{w / 2, h}, Point2{0, h}, Point2{0, h / 2}}) {
        controls.push_back(corner);
        values.push_back(corner);
    }
    try {
        const synth::ThinPlateSpline spline(controls, values);
        // The spline is smooth: evaluated every kPreviewGridStep pixels and interpolated, it is within a fraction
        // of a pixel of the exact map at about 1/16 of the spline evaluations.
        const int64_t height = toCanvas.canvasHeight, width = toCanvas.canvasWidth;
        const auto f64 = torch::TensorOptions(torch::kFloat64);
        const auto ys = torch::linspace(0, static_cast<double>(height - 1), height / kPreviewGridStep + 1, f64);
        const auto xs = torch::linspace(0, static_cast<double>(width - 1), width / kPreviewGridStep + 1, f64);
        const auto coarse =
            spline.evaluate(torch::stack(torch::meshgrid({ys, xs}, "ij"), -1).flip(-1));  // [h, w, (x, y)]
        namespace F = torch::nn::functional;
        const auto fine = F::interpolate(coarse.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32),
                                         F::InterpolateFuncOptions()
                                             .size(std::vector<int64_t>{height, width})
                                             .mode(torch::kBilinear)
                                             .align_corners(true));
        return synth::sampleAtPixels(referenceCrop, fine.squeeze(0).permute({1, 2, 0}));
    } catch (const Error& e) {
        log::warning("portrait preview: ", e.what(), "; using the network's flow instead");
        return {};
    }
}

// The face's pixels (the hull of its landmarks with a forehead, where they are and where they go: faceRegion) that
// the landmarks' spline (`spline`: landmarkWarpFlowOnCanvas of the two) moves by more than kMovedFaceTolerance of the
// face's width: float, canvas size, 1 there. Beyond the face the spline still drags the canvas a little, but there
// the photo is what the target shows.
cv::Mat movedFaceOnCanvas(const face::FaceLandmarks& reference, const face::FaceLandmarks& target,
                          const at::Tensor& spline, const Box& box, ImageSize canvas) {
    const BoxToCanvas toCanvas{box, canvas.width, canvas.height};
    const double width = faceWidth(reference.mapped([&](Point2 q) { return toCanvas.toCanvas(q); }));
    cv::Mat movedFace = movedPixels(spline, kMovedFaceTolerance * width);
    movedFace.setTo(0.f, faceRegion(reference, target, box, canvas) <= 0.5f);
    return movedFace;
}

}  // namespace

cv::Mat faceRegion(const face::FaceLandmarks& reference, const face::FaceLandmarks& target, const Box& box,
                   ImageSize canvas) {
    checkRegionSizes(box, canvas);
    const BoxToCanvas map{box, canvas.width, canvas.height};
    cv::Mat mask = cv::Mat::zeros(canvas.height, canvas.width, CV_8UC1);
    double width = 1.0;
    for (const face::FaceLandmarks* f : {&reference, &target})
        width = std::max(width, drawFace(mask, f->mapped([&](Point2 q) { return map.toCanvas(q); })));
    return featherRegion(mask, 0.12 * width);
}

cv::Mat movedFaceRegion(const face::FaceLandmarks& reference, const face::FaceLandmarks& target, const Box& box,
                        ImageSize canvas) {
    checkRegionSizes(box, canvas);
    const BoxToCanvas map{box, canvas.width, canvas.height};
    const auto onCanvas = [&](Point2 q) { return map.toCanvas(q); };
    const face::FaceLandmarks from = reference.mapped(onCanvas), to = target.mapped(onCanvas);
    const double width = std::max(faceWidth(from), faceWidth(to));
    const auto moved = movedFaceParts(from, to, kMovedFaceTolerance * width);
    if (std::none_of(moved.begin(), moved.end(), [](bool m) { return m; }))
        return cv::Mat::zeros(canvas.height, canvas.width, CV_32FC1);
    // The jaw line moving means the head turned or the face changed shape: the whole face.
    if (moved[static_cast<std::size_t>(face::FacePart::Jaw)]) return faceRegion(reference, target, box, canvas);
    // Each moved part: the hull of its landmarks where they were and where they go, with room around it for
    // the skin it pulls (a smile's cheeks, a raised brow's forehead).
    cv::Mat mask = cv::Mat::zeros(canvas.height, canvas.width, CV_8UC1);
    for (const face::PartRange& part : face::faceParts()) {
        if (!moved[static_cast<std::size_t>(part.part)]) continue;
        std::vector<cv::Point> points;
        for (const face::FaceLandmarks* f : {&from, &to})
            for (int i = part.first; i <= part.last; ++i) {
                const Point2 q = f->points[static_cast<std::size_t>(i)];
                points.emplace_back(static_cast<int>(std::lround(q.x)), static_cast<int>(std::lround(q.y)));
            }
        std::vector<cv::Point> hull;
        cv::convexHull(points, hull);
        cv::fillConvexPoly(mask, hull, cv::Scalar(255));
    }
    const int margin = std::max(1, static_cast<int>(std::lround(kMovedPartMargin * width)));
    cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * margin + 1, 2 * margin + 1)));
    return featherRegion(mask, kMovedPartFeather * width);
}

cv::Mat portraitPasteRegion(PasteExtent extent, const face::FaceLandmarks& reference, const face::FaceLandmarks& target,
                            const Box& box, ImageSize canvas) {
    switch (extent) {
        case PasteExtent::MovedParts:
            return movedFaceRegion(reference, target, box, canvas);
        case PasteExtent::Person:
            return faceRegion(reference, target, box, canvas);
        case PasteExtent::WholeCrop:
            break;
    }
    return cv::Mat();
}

RenderedFrame PortraitSession::render(const PortraitRenderRequest& request) {
    State& s = *m_state;
    if (!hasPhoto()) throw Error("no photo is open");
    face::validate(request.target, "the face's target landmarks");
    const ImageSize canvas = this->canvas();
    const auto partMapsOf = [](const face::FaceLandmarks& landmarks) {
        return [&landmarks](const BoxToCanvas& toCanvas) {
            const face::FaceLandmarks onCanvas = landmarks.mapped([&](Point2 q) { return toCanvas.toCanvas(q); });
            return face::renderPartMaps(onCanvas, toCanvas.canvasHeight, toCanvas.canvasWidth);
        };
    };
    // Kept: the hybrid method reads which pixels the landmarks move from the same flow.
    at::Tensor priorGiven;
    const auto network = [&](bool preview) {
        return synthesis().render(
            s.box, partMapsOf(s.reference), partMapsOf(request.target), preview,
            [&](const at::Tensor& referenceCrop, const BoxToCanvas& toCanvas) {
                return landmarkWarp(referenceCrop, s.reference, request.target, toCanvas);
            },
            request.maps, portraitPasteRegion(request.paste, s.reference, request.target, s.box, canvas),
            [&](const BoxToCanvas& toCanvas) {
                return priorGiven = landmarkWarpFlowOnCanvas(s.reference, request.target, toCanvas);
            });
    };
    if (request.method == ReposeMethod::Network || !s.warp) {
        RenderedFrame frame = network(request.preview);
        if (request.method == ReposeMethod::Hybrid)
            frame.warnings.push_back("the photo's pixels cannot follow the face's landmarks (" + s.warpError +
                                     "): the network redrew the face");
        return frame;
    }

    // Hybrid: the warp at the photo's resolution; the network for what the photo never showed and for maps.
    const auto start = std::chrono::steady_clock::now();
    const cv::Mat& photo = synthesis().photo();
    const deform::FaceWarpFrame warped = s.warp->warp(plainPoints(request.target));
    const bool unseen = !warped.unseen.empty() && cv::countNonZero(warped.unseen) > 0;
    const bool runNetwork = !request.preview && (unseen || request.maps.any());
    RenderedFrame frame;
    if (runNetwork) frame = network(false);
    // A model with a flow prior decides with its V how far around the opened mouth the network draws.
    const cv::Mat fill =
        runNetwork && unseen && !frame.visibility.empty() && priorGiven.defined()
            ? detail::networkFillRegion(
                  frame.visibility, movedFaceOnCanvas(s.reference, request.target, priorGiven, s.box, canvas), s.box,
                  warped.changed, warped.unseen, detail::kVisibilityReach * s.warp->faceWidth())
            : warped.unseen;
    frame.method = ReposeMethod::Hybrid;
    frame.cropBox = s.box;
    frame.preview = request.preview;
    frame.photoResult = deform::pasteInto(photo, warped);
    frame.changed = warped.changed;
    frame.holeMask = warped.unseen;
    frame.personAlpha = warped.alpha;
    frame.flippedTriangles = warped.flippedTriangles;
    frame.deformMilliseconds = warped.milliseconds;
    if (runNetwork && unseen) {
        cv::Mat changedPixels = frame.photoResult(frame.changed);
        // An opened mouth's hole is a few pixels high: its ring and feather at half a body's proportions of the
        // face's width, so that the network does not cover the teeth the warp carried beside it.
        const cv::Mat weights =
            detail::blendNetworkIntoHoles(changedPixels, detail::canvasOverArea(frame.output, s.box, frame.changed),
                                          fill, warped.alpha, 0.5 * s.warp->faceWidth());
        frame.networkMask = weights > 0.5f;
    }
    if (!request.preview && request.maps.any()) {
        frame.maps.mesh =
            image::cropToCanvas(s.warp->drawMesh(frame.photoResult, plainPoints(request.target)), s.box, canvas);
        if (!frame.changed.empty())
            frame.maps.holes =
                detail::holesMap(frame.photoResult, frame.changed, frame.holeMask, frame.networkMask, s.box, canvas);
    }
    if (frame.referenceCrop.empty()) frame.referenceCrop = image::cropToCanvas(photo, s.box, canvas);
    // What this frame shows, cut to the crop like the network's output (the sharp result is photoResult).
    frame.output = image::cropToCanvas(frame.photoResult, s.box, canvas);
    frame.pasteAlpha = pasteBackAlpha(s.box, ImageSize{photo.cols, photo.rows}, canvas);
    frame.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    frame.timings.insert(frame.timings.begin(), {"deform", warped.milliseconds});
    return frame;
}

}  // namespace marionette::edit
