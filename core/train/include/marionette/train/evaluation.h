#pragma once
// `marionette-train eval` and `export`: metrics of weights on held-out pairs (with the trivial
// copy-the-reference baseline on the same pairs), and release weights from a run's checkpoint.
#include "marionette/engine/device.h"
#include "marionette/model/config.h"
#include "marionette/model/generator.h"
#include "marionette/train/data.h"

#include <functional>
#include <string>

namespace marionette::train {

struct MetricRow {
    std::string name;  // "model", "model, V at 0.5", "prior warp" or "copy reference"
    double ssim = 0, psnr = 0, l1 = 0;
    double detail = 0;  // detail ratio where the pair moves (metrics.h); only when EvalReport::detailPairs > 0
    double lpips = 0;   // only when EvalReport::hasLpips
    double fid = 0;     // only when EvalReport::hasFid: of the row's images against the targets, as sets
};

// How well each branch of the deformation module moves the reference on its own: the attention-warped and
// flow-warped downsampled reference (W_a(x_r down, C) and W_f(x_r down, w) at s4, as the attention loss of
// eq. 10 sees them) against the downsampled target, beside the downsampled reference copied.
struct DeformationRows {
    MetricRow attention, flow, copy;  // attention / flow rows only for variants that have that branch
    bool hasAttention = false, hasFlow = false;
    bool hasSsim = true;  // false where 1/4 scale is smaller than SSIM's 11 x 11 window (tiny test canvases)
    // Body models with a flow: how far the flow at 1/4 scale is from the flow the two skeletons imply, near
    // the target's bones (skeletonFlowLoss: mean L1 in 1/4-scale pixels), and the same for no flow at all.
    // Lower follows the limbs better; a flow that ignores the limbs scores about as no flow does.
    bool hasSkeletonFlow = false;
    double skeletonFlowModel = 0, skeletonFlowZero = 0;
};

struct EvalReport {
    std::string weights, data, backbone, variant;
    int pairs = 0;
    MetricRow model, copyBaseline;
    // The reference warped at the canvas by the geometric prior alone (the two skeletons' limb warp for body pairs,
    // the landmarks' thin-plate spline for portraits): what a model with a flow prior gives before training, and
    // the geometric warp the network must beat.
    MetricRow priorWarp;
    bool hasPriorWarp = false;
    // Models with a flow prior: their output with V thresholded at 0.5 (composeByThresholdedVisibility).
    MetricRow thresholdedVisibility;
    bool hasThresholdedVisibility = false;
    std::string priorWarpKind;  // how the prior was made, for the report's notes
    int detailPairs = 0;        // pairs whose moved region was large enough for the detail ratio
    DeformationRows deformation;
    bool hasLpips = false;
    bool hasFid = false;
    std::string notComputed;  // metrics this build could not compute, and why

    std::string markdown() const;
    std::string json() const;
};

// The configuration stored in a weights file.
model::ModelConfig weightsConfig(const std::string& weightsPath);

// Sees each evaluated batch with the generator's output (on the CPU), e.g. to draw result grids.
using EvalBatchCallback = std::function<void(const Batch& batch, const model::GeneratorOutput& output)>;

struct EvalOptions {
    int pairs = 64;
    int batchSize = 8;
    engine::Device device = engine::Device::Auto;
    std::string lpipsWeights;  // LPIPS v0.1 VGG-16 weights (lpips.h); empty: LPIPS is not computed
    std::string fidWeights;    // FID Inception-v3 weights (fid.h); empty: FID is not computed
    EvalBatchCallback onBatch;
};

// Runs the weights on pairs 0 .. pairs-1 of `data` (no augmentation) and compares with the targets.
EvalReport evaluate(const std::string& weightsPath, const PairDataset& data, const EvalOptions& options);

// Writes the EMA generator of the newest loadable checkpoint in `runDirectory` as fp16 release weights,
// with the run's training metadata (and `metricsJson`, when given, under "metrics"). Returns the checkpoint
// used.
std::string exportLatestCheckpoint(const std::string& runDirectory, const std::string& outPath,
                                   const std::string& metricsJson = "");

}  // namespace marionette::train
