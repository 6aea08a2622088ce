#pragma once
// Training data behind one interface: every dataset yields pairs (the same person in two poses or
// expressions, with their skeletons or landmarks on the canvas); the loader augments them, renders the
// semantics (docs/model.md) and batches them on background threads.
#include "marionette/face/landmarks.h"
#include "marionette/model/config.h"
#include "marionette/pose/pose.h"
#include "marionette/synth/pair_sample.h"

#include <ATen/ATen.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace marionette::train {

// One pair at the canvas size. Body pairs carry poses, portrait pairs landmarks (canvas pixels).
struct PairSample {
    at::Tensor reference;  // [3, H, W] float RGB in [-1, 1]
    at::Tensor target;
    pose::Pose referencePose, targetPose;
    std::optional<face::FaceLandmarks> referenceFace, targetFace;
    // Both images framed alike, as an edit of one photo (synth::PairSample::sameFraming): augmented together.
    bool sameFraming = false;
    // Where the pair knows its true correspondence (limb-warped photos): for each target pixel the reference
    // pixel (x, y) it shows, [2, H, W] canvas pixels, and [1, H, W] 1 where that is known. Undefined otherwise.
    at::Tensor targetSource, targetSourceKnown;
};

// A pair made by core/synth, as a training pair (its masks and seed are not used in training).
PairSample fromSynth(synth::PairSample sample);

class PairDataset {
public:
    virtual ~PairDataset() = default;
    virtual std::string description() const = 0;  // recorded in the weights' training metadata
    virtual std::size_t size() const = 0;
    // Deterministic for (index, seed); throws marionette::Error for a bad sample (the loader skips it).
    virtual PairSample pair(std::size_t index, std::uint64_t seed) const = 0;
};

// Several data sets taken in turn: pair i comes from set i mod k (its pair (i / k) mod its size), so each
// gives the same share of a loader's random draws on average. Described as the sets' descriptions joined by
// model::kDataMixSeparator.
class InterleavedDatasets : public PairDataset {
public:
    explicit InterleavedDatasets(std::vector<std::shared_ptr<const PairDataset>> parts);
    std::string description() const override;
    std::size_t size() const override;
    PairSample pair(std::size_t index, std::uint64_t seed) const override;

private:
    std::vector<std::shared_ptr<const PairDataset>> m_parts;
};

struct Batch {
    at::Tensor reference, referenceSemantics, target, targetSemantics;  // [N, 3|P, H, W]
    at::Tensor faceCentres;                                             // [N, 2] canvas pixels
    at::Tensor faceValid;                                               // [N] 1 where the sample shows a face
    // Body pairs made for the skel term only (undefined otherwise): the skeletons' own flow at s4 and s8 ([N, 2, h, w], in pixels
    // of that scale, target -> reference like the model's w) and where it is trusted ([N, 1, h, w], 1 near
    // a target bone). See skeletonFlowOf and skeletonFlowLoss.
    at::Tensor skeletonFlow4, skeletonFlowMask4, skeletonFlow8, skeletonFlowMask8;
    // Models with a flow prior (model::ModelConfig::flowPrior): the geometric warp's flow at the canvas, [N, 2, H, W]
    // in canvas pixels, as the model's prior input: the skeletons' limb warp for body pairs (skeletonFlowOf at
    // scale 1), the landmarks' spline for portrait pairs (landmarkFlowOf). Undefined for other models.
    at::Tensor flowPrior;
    // Batches with a pair that knows its true correspondence (PairSample::targetSource): the true flow at s4 and
    // s8 ([N, 2, h, w], that scale's pixels, target -> reference like w) and where it is known ([N, 1, h, w], 1
    // where every canvas pixel of the cell is known). Undefined when no pair knows it. See supervisedFlowLoss.
    at::Tensor trueFlow4, trueFlowKnown4, trueFlow8, trueFlowKnown8;
    std::size_t size() const { return reference.defined() ? static_cast<std::size_t>(reference.size(0)) : 0; }
};

struct AugmentOptions {
    bool flip = true;  // horizontal flip of the whole pair, mirror joints swapped
    // Each image scaled about its centre by up to +-5 % and shifted by up to 4 % of the canvas; both images of a
    // sameFraming pair by the same amounts (an edit never moves what it did not touch).
    double maxScale = 0.05;
    double maxShift = 0.04;
    double colourJitter = 0.08;  // brightness / contrast / per-channel gain, the same for both images
};

// The face centre used by the face loss: the mean of the present nose, eyes and ears; none without them.
std::optional<Point2> faceCentre(const pose::Pose& pose);
std::optional<Point2> faceCentre(const face::FaceLandmarks& landmarks);

// The flow the two skeletons imply, at 1/scale of the canvas for each of `scales` (4 or 8): the reference carried
// along its bones to the target skeleton by synth's limb warp (limbWarpSourceCoordinates, drawn once for all
// scales), averaged over each cell and in that scale's pixels, [2, H / scale, W / scale]; and a mask
// [1, H / scale, W / scale], 1 where most of the cell lies within 5% of the canvas height of a target bone (the
// warp follows the limb there, not the background).
struct SkeletonFlow {
    at::Tensor flow, mask;
};
std::vector<SkeletonFlow> skeletonFlowOf(const pose::Pose& reference, const pose::Pose& target, int height, int width,
                                         const std::vector<int>& scales);

// The flow prior of a body pair: the skeletons' limb warp (synth::limbWarpSourceCoordinates with its blend at the
// canvas's size, the warp that makes body pairs from photos), [2, H, W] in canvas pixels, target -> reference like
// the model's w. skeletonFlowOf averages it to F's scales.
at::Tensor limbFlowOf(const pose::Pose& reference, const pose::Pose& target, int height, int width);

// The flow prior of a portrait pair: the thin-plate spline from the target landmarks back to the reference ones,
// with the portrait generator's border anchors (synth::landmarkWarpSourceCoordinates, the warp that makes
// portrait pairs from photos), [2, H, W] in canvas pixels, target -> reference like the model's w.
at::Tensor landmarkFlowOf(const face::FaceLandmarks& reference, const face::FaceLandmarks& target, int height,
                          int width);

// The true flow at 1/scale of the canvas from a pair's correspondence (PairSample::targetSource, Known): the
// displacement averaged over each cell in that scale's pixels, [2, H / scale, W / scale], and [1, H / scale, W / scale]
// 1 where the whole cell is known.
SkeletonFlow trueFlowOf(const at::Tensor& targetSource, const at::Tensor& known, int scale);

// Augments a pair (seeded), keeping images, poses, landmarks and the correspondence consistent.
PairSample augment(const PairSample& pair, const AugmentOptions& options, std::uint64_t seed);

// Renders semantics for the model's config and stacks samples into a batch. With `skeletonFlow`, body batches
// also carry the skeletons' flow (skeletonFlowOf, a limb warp per pair), which only the skel term reads; for a
// model with a flow prior they carry it at the canvas as Batch::flowPrior; pairs that know their correspondence
// give Batch::trueFlow4/8.
Batch makeBatch(const std::vector<PairSample>& pairs, const model::ModelConfig& config, bool skeletonFlow = false);

// Background loading: `workers` threads fill a bounded queue of batches; a bad sample is skipped and
// counted, never fatal. Every sample is drawn from its own seeded stream keyed by its position in the
// global batch of batchSize x worldSize; rank r holds positions r * batchSize ..., so the ranks of a
// data-parallel run together see exactly the batch one process with batch batchSize x worldSize would.
class BatchLoader {
public:
    struct Options {
        int batchSize = 4;
        int workers = 2;
        int queueDepth = 4;
        std::uint64_t seed = 1;
        int rank = 0, worldSize = 1;
        std::uint64_t firstBatch = 0;  // resume: skip the batches already seen
        AugmentOptions augment;
        bool skeletonFlow = false;  // makeBatch's skeletonFlow: batches for the skel term
    };

    BatchLoader(std::shared_ptr<const PairDataset> dataset, model::ModelConfig config, Options options);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    Batch next();  // blocks until a batch is ready
    std::uint64_t skippedSamples() const { return m_skipped; }

private:
    void work();
    Batch build(std::uint64_t batchIndex);

    std::shared_ptr<const PairDataset> m_dataset;
    model::ModelConfig m_config;
    Options m_options;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::pair<std::uint64_t, Batch>> m_ready;
    std::uint64_t m_nextToBuild, m_nextToHand;
    std::atomic<std::uint64_t> m_skipped{0};
    std::atomic<bool> m_stop{false};
    std::string m_error;
    std::vector<std::thread> m_threads;
};

}  // namespace marionette::train
