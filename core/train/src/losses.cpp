#include "marionette/train/losses.h"

#include "marionette/model/warps.h"
#include "marionette/util/error.h"

#include <torch/torch.h>

#include <cmath>
#include <map>
#include <sstream>

namespace marionette::train {
namespace F = torch::nn::functional;

const std::vector<std::pair<std::string, double LossWeights::*>>& namedLossWeights() {
    static const std::vector<std::pair<std::string, double LossWeights::*>> names{
        {"attn", &LossWeights::attention},
        {"flow", &LossWeights::flow},
        {"flow-stage1", &LossWeights::flowStage1},
        {"regu", &LossWeights::regularization},
        {"regu-stage1", &LossWeights::regularizationStage1},
        {"perc", &LossWeights::perceptual},
        {"face", &LossWeights::face},
        {"style", &LossWeights::style},
        {"adv", &LossWeights::adversarial},
        {"l1", &LossWeights::pixel},
        {"warp", &LossWeights::flowWarp},
        {"skel", &LossWeights::skeletonFlow},
        {"sflow", &LossWeights::supervisedFlow},
        {"vis", &LossWeights::visibilityDecision}};
    return names;
}

LossWeights withLossWeights(LossWeights weights, const std::string& spec) {
    std::map<std::string, double LossWeights::*> byName(namedLossWeights().begin(), namedLossWeights().end());
    std::stringstream items(spec);
    std::string item;
    while (std::getline(items, item, ',')) {
        if (item.empty()) continue;
        const auto equals = item.find('=');
        const std::string name = item.substr(0, equals);
        const auto target = byName.find(name);
        if (equals == std::string::npos || target == byName.end()) {
            std::string names;
            for (const auto& entry : byName) names += (names.empty() ? "" : ", ") + entry.first;
            throw Error("loss weights: '" + item + "' is not name=value with a name among " + names);
        }
        const std::string text = item.substr(equals + 1);
        std::size_t used = 0;
        double value = -1.0;
        try {
            value = std::stod(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != text.size() || text.empty() || !(value >= 0.0) || !std::isfinite(value))
            throw Error("loss weights: the weight of " + name + " must be a number >= 0, not '" + text + "'");
        weights.*(target->second) = value;
    }
    return weights;
}

namespace {

// L1 between warped downsampled references and the target downsampled to their sizes, summed over scales.
at::Tensor warpedImageLoss(const at::Tensor& warped8, const at::Tensor& warped4, const at::Tensor& targetImage) {
    if (!warped4.defined()) return torch::zeros({}, targetImage.options());
    const auto t8 = model::downsampleArea(targetImage, warped8.size(2), warped8.size(3));
    const auto t4 = model::downsampleArea(targetImage, warped4.size(2), warped4.size(3));
    return F::l1_loss(warped8, t8) + F::l1_loss(warped4, t4);
}

}  // namespace

at::Tensor attentionLoss(const model::GeneratorOutput& out, const at::Tensor& targetImage) {
    return warpedImageLoss(out.attentionWarped8, out.attentionWarped4, targetImage);
}

at::Tensor flowWarpLoss(const model::GeneratorOutput& out, const at::Tensor& targetImage) {
    return warpedImageLoss(out.flowWarped8, out.flowWarped4, targetImage);
}

bool usesBackbone(const LossWeights& w, bool withStage1) {
    return w.perceptual > 0 || w.face > 0 || w.style > 0 || w.flow > 0 || (withStage1 && w.flowStage1 > 0);
}

namespace {

// Mean absolute difference of two flows [N, 2, h, w] over a mask [N, 1, h, w], per component.
at::Tensor maskedFlowL1(const at::Tensor& flow, const at::Tensor& reference, const at::Tensor& mask, const char* what) {
    if (flow.dim() != 4 || flow.size(1) != 2 || flow.sizes() != reference.sizes() || mask.dim() != 4 ||
        mask.size(1) != 1 || mask.size(0) != flow.size(0) || mask.size(2) != flow.size(2) ||
        mask.size(3) != flow.size(3))
        throw Error(std::string(what) +
                    ": the flow [N, 2, h, w], the flow it is compared with and the mask [N, 1, h, w] must agree");
    const auto m = mask.to(at::kFloat);
    return (m * (flow.to(at::kFloat) - reference.to(at::kFloat)).abs()).sum() / (2.0 * m.sum()).clamp_min(1.0);
}

}  // namespace

at::Tensor skeletonFlowLoss(const at::Tensor& flow, const at::Tensor& skeletonFlow, const at::Tensor& mask) {
    return maskedFlowL1(flow, skeletonFlow, mask, "skeleton flow loss");
}

at::Tensor supervisedFlowLoss(const at::Tensor& flow, const at::Tensor& trueFlow, const at::Tensor& known) {
    return maskedFlowL1(flow, trueFlow, known, "supervised flow loss");
}

at::Tensor visibilityDecisionLoss(const at::Tensor& visibility) {
    if (visibility.dim() != 4 || visibility.size(1) != 1) throw Error("the visibility map must be [N, 1, H, W]");
    const auto v = visibility.to(at::kFloat);
    return (4.0 * v * (1.0 - v)).mean();
}

at::Tensor samplingCorrectnessLoss(const at::Tensor& flow, const at::Tensor& referenceFeatures,
                                   const at::Tensor& targetFeatures) {
    if (referenceFeatures.sizes() != targetFeatures.sizes() || referenceFeatures.size(2) != flow.size(2) ||
        referenceFeatures.size(3) != flow.size(3))
        throw Error("sampling correctness: features and flow must share their size");
    const auto vr = model::l2NormalizeChannels(referenceFeatures.to(at::kFloat));
    const auto vt = model::l2NormalizeChannels(targetFeatures.to(at::kFloat));
    // mu(W_f(v_r, w)^l, v_t^l): cosine after warping (warping normalised features keeps them near unit length;
    // normalise again so the similarity is a true cosine).
    const auto warped = model::l2NormalizeChannels(model::warpFlow(vr, flow));
    const auto similarity = (warped * vt).sum(1);  // [N, h, w]
    // mu(v_r^{l_max}, v_t^l): the best match of each target feature anywhere in the reference (eq. 12).
    const auto correlation = at::bmm(vt.flatten(2).transpose(1, 2), vr.flatten(2));  // [N, HWt, HWr]
    const auto best = std::get<0>(correlation.max(2)).view_as(similarity).clamp_min(1e-6);
    return torch::exp(-similarity / best).mean();
}

at::Tensor affineRegularizationLoss(const at::Tensor& flow) { return affineResidualMap(flow).mean(); }

at::Tensor affineResidualMap(const at::Tensor& flow) {
    const int64_t n = flow.size(0), h = flow.size(2), w = flow.size(3);
    const auto opts = flow.options().dtype(at::kFloat);
    // Reference coordinates of a 3x3 patch relative to its centre, R [2, 9] (their mean is zero).
    const auto offsets = torch::arange(-1, 2, opts);
    const auto ry = offsets.view({3, 1}).expand({3, 3}).reshape({9});
    const auto rx = offsets.view({1, 3}).expand({3, 3}).reshape({9});
    const auto r = torch::stack({rx, ry}).unsqueeze(0);  // [1, 2, 9]
    // Flow patches with replicate padding: [N, 2, 9, h*w] -> sampling coordinates S = R + w* per patch, [P, 2, 9].
    const auto padded = F::pad(flow.to(at::kFloat), F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate));
    const auto patches = F::unfold(padded, F::UnfoldFuncOptions({3, 3})).view({n, 2, 9, h * w});
    const auto s = r + patches.permute({0, 3, 1, 2}).reshape({n * h * w, 2, 9});
    // Eq. 14 in homogeneous coordinates (A = R S^T (S S^T)^-1, 3 x 3) is the same least-squares fit as its linear
    // part on the patch's centred coordinates plus the translation between the means, which fits exactly; the
    // centred form keeps a large translation out of the matrix to invert. A flow that gathers a patch onto a line
    // or one point (a warp folding or compressing the reference there) leaves that 2 x 2 matrix singular: ridge
    // damping relative to the patch's spread, with a floor, keeps the fit and its gradient finite.
    const auto centred = s - s.mean(2, /*keepdim=*/true);
    const auto gram = at::bmm(centred, centred.transpose(1, 2));  // [P, 2, 2]
    const auto spread = gram.diagonal(0, 1, 2).sum(1).view({-1, 1, 1}).detach() / 2.0;
    const auto damped = gram + (1e-4 * spread + 1e-3) * torch::eye(2, opts).unsqueeze(0);
    const auto a = at::bmm(at::matmul(r, centred.transpose(1, 2)), torch::inverse(damped));  // eq. 14
    const auto residual = r - at::bmm(a, centred);                                           // eq. 13
    return residual.square().sum({1, 2}).view({n, h, w});
}

at::Tensor perceptualLoss(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b,
                          const std::vector<std::string>& layers) {
    at::Tensor total;
    for (const auto& l : layers) {
        const auto term = F::l1_loss(a.at(l), b.at(l));
        total = total.defined() ? total + term : term;
    }
    return total;
}

at::Tensor gramMatrix(const at::Tensor& features) {
    const int64_t n = features.size(0), c = features.size(1), hw = features.size(2) * features.size(3);
    const auto f = features.reshape({n, c, hw}).to(at::kFloat);
    return at::bmm(f, f.transpose(1, 2)) / static_cast<double>(c * hw);
}

at::Tensor styleLoss(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b,
                     const std::vector<std::string>& layers) {
    at::Tensor total;
    for (const auto& l : layers) {
        const auto term = F::l1_loss(gramMatrix(a.at(l)), gramMatrix(b.at(l)));
        total = total.defined() ? total + term : term;
    }
    return total;
}

at::Tensor cropFaces(const at::Tensor& images, const at::Tensor& centres, double size, int64_t outputSize) {
    const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
    const auto opts = images.options().dtype(at::kFloat);
    auto theta = torch::zeros({n, 2, 3}, opts);
    // affine_grid maps output [-1, 1] to input normalised coordinates: scale by size / extent and move to
    // the centre's normalised coordinate (2c + 1) / extent - 1 (align_corners = false).
    theta.select(1, 0).select(1, 0).fill_(size / static_cast<double>(w));
    theta.select(1, 1).select(1, 1).fill_(size / static_cast<double>(h));
    theta.select(1, 0).select(1, 2).copy_((2.0 * centres.select(1, 0).to(at::kFloat) + 1.0) / static_cast<double>(w) -
                                          1.0);
    theta.select(1, 1).select(1, 2).copy_((2.0 * centres.select(1, 1).to(at::kFloat) + 1.0) / static_cast<double>(h) -
                                          1.0);
    const auto grid = F::affine_grid(theta, {n, images.size(1), outputSize, outputSize}, /*align_corners=*/false);
    return F::grid_sample(
        images.to(at::kFloat), grid,
        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false));
}

at::Tensor generatorAdversarialLoss(const at::Tensor& fakeLogits) {
    return (fakeLogits.to(at::kFloat) - 1.0).square().mean();
}

at::Tensor discriminatorLoss(const at::Tensor& realLogits, const at::Tensor& fakeLogits) {
    return 0.5 * ((realLogits.to(at::kFloat) - 1.0).square().mean() + fakeLogits.to(at::kFloat).square().mean());
}

}  // namespace marionette::train
