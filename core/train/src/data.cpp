#include "marionette/train/data.h"

#include "marionette/face/part_maps.h"
#include "marionette/model/training_summary.h"
#include "marionette/model/warps.h"
#include "marionette/pose/heatmap.h"
#include "marionette/synth/limb_warp.h"
#include "marionette/synth/portrait_pair_generator.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <random>

namespace marionette::train {
namespace F = torch::nn::functional;
namespace {

// Resamples an image so that the point p moves to scale * (p - centre) + centre + shift.
at::Tensor similarityWarp(const at::Tensor& image, double scale, double shiftX, double shiftY) {
    const int64_t h = image.size(1), w = image.size(2);
    // Output normalised coordinate u reads input (u - t) / s; translations in normalised units.
    auto theta = torch::zeros({1, 2, 3});
    theta[0][0][0] = 1.0 / scale;
    theta[0][1][1] = 1.0 / scale;
    theta[0][0][2] = -2.0 * shiftX / static_cast<double>(w) / scale;
    theta[0][1][2] = -2.0 * shiftY / static_cast<double>(h) / scale;
    const auto grid = F::affine_grid(theta, {1, 3, h, w}, /*align_corners=*/false);
    return F::grid_sample(
               image.unsqueeze(0), grid,
               F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false))
        .squeeze(0);
}

Point2 similarityPoint(Point2 p, double scale, double shiftX, double shiftY, int64_t w, int64_t h) {
    // Pixel centres: about the canvas centre ((w - 1) / 2, (h - 1) / 2) in pixel units.
    const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
    return {static_cast<float>((p.x - cx) * scale + cx + shiftX), static_cast<float>((p.y - cy) * scale + cy + shiftY)};
}

}  // namespace

std::optional<Point2> faceCentre(const pose::Pose& pose) {
    using J = pose::JointId;
    double x = 0, y = 0;
    int n = 0;
    for (J j : {J::Nose, J::RightEye, J::LeftEye, J::RightEar, J::LeftEar}) {
        if (const auto k = pose.find(j)) {
            x += k->position.x;
            y += k->position.y;
            ++n;
        }
    }
    if (n == 0) return std::nullopt;
    return Point2{static_cast<float>(x / n), static_cast<float>(y / n)};
}

std::optional<Point2> faceCentre(const face::FaceLandmarks& landmarks) {
    const Box b = landmarks.bounds();
    return Point2{static_cast<float>(b.x + b.width / 2), static_cast<float>(b.y + b.height / 2)};
}

PairSample fromSynth(synth::PairSample s) {
    PairSample p;
    p.reference = std::move(s.reference);
    p.target = std::move(s.target);
    p.referencePose = std::move(s.referencePose);
    p.targetPose = std::move(s.targetPose);
    p.referenceFace = std::move(s.referenceFace);
    p.targetFace = std::move(s.targetFace);
    p.sameFraming = s.sameFraming;
    return p;
}

InterleavedDatasets::InterleavedDatasets(std::vector<std::shared_ptr<const PairDataset>> parts)
    : m_parts(std::move(parts)) {
    if (m_parts.empty()) throw Error("a mix of data sets needs at least one");
    for (const auto& part : m_parts)
        if (!part || part->size() == 0)
            throw Error("a mix of data sets has an empty one" + (part ? ": " + part->description() : std::string()));
}

std::string InterleavedDatasets::description() const {
    std::string text;
    for (const auto& part : m_parts) text += (text.empty() ? "" : model::kDataMixSeparator) + part->description();
    return text;
}

std::size_t InterleavedDatasets::size() const {
    std::size_t largest = 0;
    for (const auto& part : m_parts) largest = std::max(largest, part->size());
    const std::size_t k = m_parts.size();
    return largest > std::numeric_limits<std::size_t>::max() / k ? std::numeric_limits<std::size_t>::max()
                                                                 : largest * k;
}

PairSample InterleavedDatasets::pair(std::size_t index, std::uint64_t seed) const {
    const PairDataset& part = *m_parts[index % m_parts.size()];
    return part.pair((index / m_parts.size()) % part.size(), seed);
}

PairSample augment(const PairSample& pair, const AugmentOptions& options, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(-1.0, 1.0);
    PairSample out = pair;
    const int64_t h = pair.reference.size(1), w = pair.reference.size(2);
    if (options.flip && (rng() & 1)) {
        const float axis = (w - 1) / 2.0f;
        out.reference = out.reference.flip({2});
        out.target = out.target.flip({2});
        out.referencePose = out.referencePose.mirrored(axis);
        out.targetPose = out.targetPose.mirrored(axis);
        if (out.referenceFace) out.referenceFace = out.referenceFace->mirrored(axis);
        if (out.targetFace) out.targetFace = out.targetFace->mirrored(axis);
        if (out.targetSource.defined()) {
            // Mirrored target positions read mirrored reference positions: x -> (w - 1) - x on both sides.
            const auto source = out.targetSource.flip({2});
            out.targetSource = torch::stack({static_cast<double>(w - 1) - source.select(0, 0), source.select(0, 1)});
            out.targetSourceKnown = out.targetSourceKnown.flip({2});
        }
    }
    struct Similarity {
        double scale, sx, sy;
    };
    auto draw = [&] {
        return Similarity{1.0 + options.maxScale * unit(rng), options.maxShift * w * unit(rng),
                          options.maxShift * h * unit(rng)};
    };
    auto jitterGeometry = [&](const Similarity& t, at::Tensor& image, pose::Pose& pose,
                              std::optional<face::FaceLandmarks>& face) {
        image = similarityWarp(image, t.scale, t.sx, t.sy);
        auto move = [&](Point2 p) { return similarityPoint(p, t.scale, t.sx, t.sy, w, h); };
        pose = pose.mapped(move);
        if (face) {
            for (auto& p : face->points) p = move(p);
        }
    };
    const Similarity referenceChange = draw();
    const Similarity targetChange = draw();  // drawn either way: a pair's colour change does not depend on its framing
    jitterGeometry(referenceChange, out.reference, out.referencePose, out.referenceFace);
    const Similarity& targetMove = pair.sameFraming ? referenceChange : targetChange;
    jitterGeometry(targetMove, out.target, out.targetPose, out.targetFace);
    if (out.targetSource.defined()) {
        // A moved target pixel shows what the unmoved one did (sampled like the image), and the reference pixel it
        // read has moved with the reference's change.
        const auto source = similarityWarp(out.targetSource, targetMove.scale, targetMove.sx, targetMove.sy);
        const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        const auto x = (source.select(0, 0) - cx) * referenceChange.scale + cx + referenceChange.sx;
        const auto y = (source.select(0, 1) - cy) * referenceChange.scale + cy + referenceChange.sy;
        out.targetSource = torch::stack({x, y});
        const auto inside = (x >= 0) & (x <= static_cast<double>(w - 1)) & (y >= 0) & (y <= static_cast<double>(h - 1));
        out.targetSourceKnown =
            (similarityWarp(out.targetSourceKnown, targetMove.scale, targetMove.sx, targetMove.sy) >= 0.999)
                .logical_and(inside.unsqueeze(0))
                .to(torch::kFloat32);
    }
    // The same colour change for both images: the person's appearance stays consistent within a pair.
    const double brightness = options.colourJitter * unit(rng);
    const double contrast = 1.0 + options.colourJitter * unit(rng);
    const auto gains =
        torch::tensor({1.0 + options.colourJitter * 0.5 * unit(rng), 1.0 + options.colourJitter * 0.5 * unit(rng),
                       1.0 + options.colourJitter * 0.5 * unit(rng)},
                      torch::kFloat)
            .view({3, 1, 1});
    auto colour = [&](const at::Tensor& x) { return ((x * contrast + brightness) * gains).clamp(-1.0, 1.0); };
    out.reference = colour(out.reference);
    out.target = colour(out.target);
    return out;
}

namespace {
// How far from a target bone (fraction of the canvas height) the skeleton flow is trusted: about a limb's
// half-width for a person filling the canvas.
constexpr double kSkeletonFlowReach = 0.05;
}  // namespace

Batch makeBatch(const std::vector<PairSample>& pairs, const model::ModelConfig& config, bool skeletonFlow) {
    const int h = config.height, w = config.canvasWidth;
    std::vector<at::Tensor> xr, xt, faces, valid;
    std::vector<pose::Pose> refPoses, tgtPoses;
    std::vector<face::FaceLandmarks> refFaces, tgtFaces;
    const bool body = config.semantics == model::SemanticsKind::Body;
    for (const auto& p : pairs) {
        if (p.reference.size(1) != h || p.reference.size(2) != w || p.target.sizes() != p.reference.sizes())
            throw Error("a training pair is " + std::to_string(p.reference.size(1)) + " x " +
                        std::to_string(p.reference.size(2)) + " but the model's canvas is " + std::to_string(h) +
                        " x " + std::to_string(w));
        xr.push_back(p.reference);
        xt.push_back(p.target);
        std::optional<Point2> centre;
        if (body) {
            refPoses.push_back(p.referencePose);
            tgtPoses.push_back(p.targetPose);
            centre = faceCentre(p.targetPose);
        } else {
            if (!p.referenceFace || !p.targetFace) throw Error("a portrait training pair has no landmarks");
            refFaces.push_back(*p.referenceFace);
            tgtFaces.push_back(*p.targetFace);
            centre = faceCentre(*p.targetFace);
        }
        faces.push_back(torch::tensor({centre ? centre->x : 0.f, centre ? centre->y : 0.f}));
        valid.push_back(torch::tensor(centre ? 1.f : 0.f));
    }
    Batch b;
    b.reference = torch::stack(xr);
    b.target = torch::stack(xt);
    b.referenceSemantics = body ? pose::renderHeatmaps(refPoses, h, w) : face::renderPartMaps(refFaces, h, w);
    b.targetSemantics = body ? pose::renderHeatmaps(tgtPoses, h, w) : face::renderPartMaps(tgtFaces, h, w);
    b.faceCentres = torch::stack(faces);
    b.faceValid = torch::stack(valid);
    const bool prior = config.usesFlowPrior();
    if (prior && !body) {
        std::vector<at::Tensor> priors;
        for (std::size_t i = 0; i < refFaces.size(); ++i)
            priors.push_back(landmarkFlowOf(refFaces[i], tgtFaces[i], h, w));
        b.flowPrior = torch::stack(priors);
    }
    if (body && (skeletonFlow || prior)) {
        // One limb warp per pair for both uses: scales 4 and 8 for the skel term, 1 (the canvas) for the prior.
        std::vector<int> scales;
        if (skeletonFlow) scales = {4, 8};
        if (prior) scales.push_back(1);
        std::vector<at::Tensor> flows4, masks4, flows8, masks8, priors;
        for (std::size_t i = 0; i < refPoses.size(); ++i) {
            const auto flows = skeletonFlowOf(refPoses[i], tgtPoses[i], h, w, scales);
            if (skeletonFlow) {
                flows4.push_back(flows[0].flow);
                masks4.push_back(flows[0].mask);
                flows8.push_back(flows[1].flow);
                masks8.push_back(flows[1].mask);
            }
            if (prior) priors.push_back(flows.back().flow);
        }
        if (skeletonFlow) {
            b.skeletonFlow4 = torch::stack(flows4);
            b.skeletonFlowMask4 = torch::stack(masks4);
            b.skeletonFlow8 = torch::stack(flows8);
            b.skeletonFlowMask8 = torch::stack(masks8);
        }
        if (prior) b.flowPrior = torch::stack(priors);
    }
    const bool anyCorrespondence =
        std::any_of(pairs.begin(), pairs.end(), [](const PairSample& p) { return p.targetSource.defined(); });
    if (anyCorrespondence) {
        std::vector<at::Tensor> flows4, known4, flows8, known8;
        for (const auto& p : pairs) {
            // Pairs that do not know it count as known nowhere.
            const at::Tensor source = p.targetSource.defined() ? p.targetSource : torch::zeros({2, h, w});
            const at::Tensor known = p.targetSource.defined() ? p.targetSourceKnown : torch::zeros({1, h, w});
            const SkeletonFlow at4 = trueFlowOf(source, known, 4), at8 = trueFlowOf(source, known, 8);
            flows4.push_back(at4.flow);
            known4.push_back(at4.mask);
            flows8.push_back(at8.flow);
            known8.push_back(at8.mask);
        }
        b.trueFlow4 = torch::stack(flows4);
        b.trueFlowKnown4 = torch::stack(known4);
        b.trueFlow8 = torch::stack(flows8);
        b.trueFlowKnown8 = torch::stack(known8);
    }
    return b;
}

SkeletonFlow trueFlowOf(const at::Tensor& targetSource, const at::Tensor& known, int scale) {
    if (targetSource.dim() != 3 || targetSource.size(0) != 2 || known.dim() != 3 || known.size(0) != 1 ||
        known.size(1) != targetSource.size(1) || known.size(2) != targetSource.size(2))
        throw Error(
            "a pair's correspondence must be [2, H, W] reference pixels with a [1, H, W] map of where it is known");
    const int64_t h = targetSource.size(1), w = targetSource.size(2);
    if (scale < 1 || h % scale != 0 || w % scale != 0)
        throw Error("true flow: the canvas must divide into cells of " + std::to_string(scale));
    const auto identity = model::pixelCentres(h, w);
    const auto knownF = known.to(torch::kFloat32);
    // Unknown pixels carry no displacement, and a cell counts only when all of it is known.
    const auto displacement = ((targetSource.to(torch::kFloat32) - identity) * knownF).unsqueeze(0);
    return {model::flowAtScale(displacement, scale).squeeze(0),
            (torch::avg_pool2d(knownF.unsqueeze(0), scale).squeeze(0) >= 0.999).to(torch::kFloat32)};
}

at::Tensor limbFlowOf(const pose::Pose& reference, const pose::Pose& target, int height, int width) {
    const auto source =
        synth::limbWarpSourceCoordinates(reference, target, height, width, synth::LimbWarpConfig{}.blendAt(height));
    return source.permute({2, 0, 1}) - model::pixelCentres(height, width);
}

at::Tensor landmarkFlowOf(const face::FaceLandmarks& reference, const face::FaceLandmarks& target, int height,
                          int width) {
    const synth::PortraitGeneratorConfig photoPairs;  // the anchors and merging of the pairs made from photos
    const auto source = synth::landmarkWarpSourceCoordinates(reference, target, height, width,
                                                             photoPairs.borderAnchorsPerSide, photoPairs.mergeDistance);
    return source.permute({2, 0, 1}) - model::pixelCentres(height, width);
}

std::vector<SkeletonFlow> skeletonFlowOf(const pose::Pose& reference, const pose::Pose& target, int height, int width,
                                         const std::vector<int>& scales) {
    for (const int scale : scales)
        if (scale < 1 || height % scale != 0 || width % scale != 0)
            throw Error("skeleton flow: the canvas must divide into cells of " + std::to_string(scale));
    const auto displacement = limbFlowOf(reference, target, height, width).unsqueeze(0);  // [1, 2, H, W]
    const auto near = synth::nearBones(target, height, width, kSkeletonFlowReach * height).view({1, 1, height, width});
    std::vector<SkeletonFlow> flows;
    for (const int scale : scales)
        flows.push_back({model::flowAtScale(displacement, scale).squeeze(0),
                         (torch::avg_pool2d(near, scale).squeeze(0) >= 0.5).to(torch::kFloat32)});
    return flows;
}

BatchLoader::BatchLoader(std::shared_ptr<const PairDataset> dataset, model::ModelConfig config, Options options)
    : m_dataset(std::move(dataset)),
      m_config(config),
      m_options(options),
      m_nextToBuild(options.firstBatch),
      m_nextToHand(options.firstBatch) {
    if (m_dataset->size() == 0) throw Error("the training data set is empty: " + m_dataset->description());
    if (options.worldSize < 1 || options.rank < 0 || options.rank >= options.worldSize)
        throw Error("data-parallel rank " + std::to_string(options.rank) + " is outside a world of " +
                    std::to_string(options.worldSize) + " processes");
    for (int i = 0; i < std::max(1, options.workers); ++i) m_threads.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
    m_stop = true;
    m_changed.notify_all();
    for (auto& t : m_threads) t.join();
}

Batch BatchLoader::build(std::uint64_t batchIndex) {
    // Each position of the global batch (batchSize x worldSize samples, this rank holding positions
    // rank * batchSize ...) draws its sample from its own seeded stream (sampling with replacement):
    // deterministic, independent of thread timing, resumable from any batch, and the same samples however
    // the global batch is split over ranks, so W ranks with batch b see exactly one process's batch of W * b.
    // A bad sample is replaced by the next attempt's draw for the same position.
    const std::size_t n = m_dataset->size();
    const auto firstPosition =
        static_cast<std::uint64_t>(m_options.rank) * static_cast<std::uint64_t>(m_options.batchSize);
    std::vector<PairSample> pairs;
    int failures = 0;
    for (int k = 0; k < m_options.batchSize; ++k) {
        const std::uint64_t position = firstPosition + static_cast<std::uint64_t>(k);
        for (std::uint64_t attempt = 0;; ++attempt) {
            std::seed_seq seq{m_options.seed, m_options.seed >> 32, batchIndex, batchIndex >> 32, attempt, position};
            std::mt19937_64 rng(seq);
            const std::size_t index = static_cast<std::size_t>(rng() % n);
            try {
                pairs.push_back(augment(m_dataset->pair(index, rng()), m_options.augment, rng()));
                break;
            } catch (const std::exception& e) {
                ++m_skipped;
                log::warning("skipped training sample ", index, ": ", e.what());
                if (++failures > 8 * m_options.batchSize)
                    throw Error("too many bad training samples in one batch; the last: " + std::string(e.what()));
            }
        }
    }
    return makeBatch(pairs, m_config, m_options.skeletonFlow);
}

void BatchLoader::work() {
    torch::NoGradGuard noGrad;
    while (!m_stop) {
        std::uint64_t index;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_changed.wait(lock, [&] {
                return m_stop || m_nextToBuild < m_nextToHand + static_cast<std::uint64_t>(m_options.queueDepth);
            });
            if (m_stop) return;
            index = m_nextToBuild++;
        }
        Batch batch;
        std::string error;
        try {
            batch = build(index);
        } catch (const std::exception& e) {
            error = e.what();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!error.empty() && m_error.empty()) m_error = error;
        m_ready.emplace_back(index, std::move(batch));
        m_changed.notify_all();
    }
}

Batch BatchLoader::next() {
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        if (!m_error.empty()) throw Error("training data: " + m_error);
        for (auto it = m_ready.begin(); it != m_ready.end(); ++it) {
            if (it->first == m_nextToHand) {
                Batch b = std::move(it->second);
                m_ready.erase(it);
                ++m_nextToHand;
                m_changed.notify_all();
                return b;
            }
        }
        m_changed.wait(lock);
    }
}

}  // namespace marionette::train
