#pragma once
// The paper's losses (eq. 10-18), each its own function, and their default weights (docs/model.md, "Losses").
#include "marionette/model/generator.h"
#include "marionette/train/backbone.h"

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace marionette::train {

struct LossWeights {
    double attention = 5.0;  // lambda_attn
    double flow = 5.0;       // lambda_flow (stage 1: flowStage1)
    double flowStage1 = 20.0;
    double regularization = 0.0025;  // lambda_regu (stage 1: regularizationStage1)
    double regularizationStage1 = 0.01;
    double perceptual = 0.5;          // lambda_perc
    double face = 1.0;                // lambda_face
    double style = 500.0;             // lambda_style
    double adversarial = 2.0;         // lambda_adv
    double pixel = 0.0;               // plain L1, not in the paper; off by default
    double flowWarp = 0.0;            // L1 of the flow-warped image, not in the paper; off by default
    double skeletonFlow = 0.0;        // L1 to the skeletons' own flow, not in the paper; off by default
    double supervisedFlow = 0.0;      // L1 to the true flow where pairs know it, not in the paper; off by default
    double visibilityDecision = 0.0;  // V pushed to 0 or 1 (flow prior models), not in the paper; off by default
};

// Whether any term the weights switch on reads VGG-19 features (perceptual, face, style, sampling
// correctness); the stage-1 flow weight counts only for a schedule with a stage 1.
bool usesBackbone(const LossWeights& weights, bool withStage1);

// The weights by name: the names the training log, --loss-weights and the exported metadata use (attn, flow,
// flow-stage1, regu, regu-stage1, perc, face, style, adv, l1, warp, skel, sflow, vis).
const std::vector<std::pair<std::string, double LossWeights::*>>& namedLossWeights();

// Overrides weights from "name=value,name=value" (names of namedLossWeights()). Unknown names, bad or negative
// numbers throw Error.
LossWeights withLossWeights(LossWeights weights, const std::string& spec);

// Eq. 10: L1 between the attention-warped downsampled reference and the downsampled target, summed over
// the s8 and s4 scales. Zero when the variant has no attention.
at::Tensor attentionLoss(const model::GeneratorOutput& out, const at::Tensor& targetImage);

// The same L1 for the flow-warped downsampled reference, W_f(x_r down, w), at s8 and s4: not in the paper,
// whose flow is taught by the sampling correctness loss on VGG-19 features. Without ImageNet weights that
// loss does not teach F (it stayed at its starting value for 600 steps with the random-feature backbone),
// and this photometric term, with the affine regularisation as its smoothness prior, does without a
// backbone. Zero when the variant has no flow.
at::Tensor flowWarpLoss(const model::GeneratorOutput& out, const at::Tensor& targetImage);

// Not in the paper: L1 (in pixels of the flow's scale, averaged over the two components) between the flow w
// ([N, 2, h, w]) and the flow the skeletons imply (Batch::skeletonFlow4/8: the reference carried along its
// bones, as the photo pairs of core/synth are made), where `mask` ([N, 1, h, w]) says a target bone is near.
// A prior for limbs that move far, which a photometric loss alone teaches slowly; zero where the mask is empty.
at::Tensor skeletonFlowLoss(const at::Tensor& flow, const at::Tensor& skeletonFlow, const at::Tensor& mask);

// Not in the paper (model.md, "Flow prior"): L1 (in pixels of the flow's scale, averaged over the two components)
// between the flow w ([N, 2, h, w]; with a flow prior, prior + residual) and the true flow (Batch::trueFlow4/8:
// where the pair knows which reference pixel each target pixel shows), over `known` ([N, 1, h, w]). Zero where
// nothing is known.
at::Tensor supervisedFlowLoss(const at::Tensor& flow, const at::Tensor& trueFlow, const at::Tensor& known);

// Not in the paper (model.md, "Flow prior"): 4 V (1 - V) averaged over the visibility map V ([N, 1, H, W]): 0 where
// V is 0 or 1, 1 where it is one half. Where V hesitates the output is a blend, as soft as the decoder's image;
// pushed to decide, the output keeps the warped photo's sharpness wherever it keeps it at all.
at::Tensor visibilityDecisionLoss(const at::Tensor& visibility);

// Eq. 11-12, the sampling correctness loss: for each target position l,
// exp(-cos(W_f(v_r, w)^l, v_t^l) / max_i cos(v_r^i, v_t^l)), averaged over positions and the batch.
// Features [N, C, h, w] at the flow's resolution.
at::Tensor samplingCorrectnessLoss(const at::Tensor& flow, const at::Tensor& referenceFeatures,
                                   const at::Tensor& targetFeatures);

// Eq. 13-14, the affine regularisation: for each 3 x 3 patch (replicate padding) with reference
// coordinates R (3 x 9, homogeneous) and sampling coordinates S = R + w*, the residual of the least-squares
// fit R ~ A S, A = R S^T (S S^T)^-1, squared and averaged over patches. Computed on centred coordinates with a
// small ridge, so that a patch gathered onto a line or a point costs a finite amount instead of a singular fit.
at::Tensor affineRegularizationLoss(const at::Tensor& flow);
// The per-patch squared residuals of eq. 13, [N, h, w] (the loss is their mean).
at::Tensor affineResidualMap(const at::Tensor& flow);

// Eq. 15: sum over layers of the L1 distance between activations.
at::Tensor perceptualLoss(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b,
                          const std::vector<std::string>& layers);

// Gram matrix of [N, C, h, w] activations, divided by C * h * w.
at::Tensor gramMatrix(const at::Tensor& features);
// Eq. 17: sum over layers of the L1 distance between Gram matrices.
at::Tensor styleLoss(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b,
                     const std::vector<std::string>& layers);

// C_face of eq. 16: a differentiable square crop of side `size` pixels centred on `centres` [N, 2] (canvas
// pixels), resampled to outputSize x outputSize.
at::Tensor cropFaces(const at::Tensor& images, const at::Tensor& centres, double size, int64_t outputSize);

// LSGAN (eq. 18 in its least-squares form): the generator's and the discriminator's objectives.
at::Tensor generatorAdversarialLoss(const at::Tensor& fakeLogits);
at::Tensor discriminatorLoss(const at::Tensor& realLogits, const at::Tensor& fakeLogits);

}  // namespace marionette::train
