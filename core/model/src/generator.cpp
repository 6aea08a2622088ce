#include "marionette/model/generator.h"

#include "marionette/model/warps.h"
#include "marionette/util/error.h"

#include <torch/nn/functional/conv.h>
#include <torch/nn/init.h>

namespace marionette::model {
namespace F = torch::nn::functional;

// ---- E_x / E_s ------------------------------------------------------------------------------------

KeyEncoderImpl::KeyEncoderImpl(int64_t in, int64_t width, int64_t keyChannels)
    : encoder(register_module("encoder", FeatureEncoder(in, width))),
      head4(register_module("head4", conv1x1(4 * width, keyChannels))),
      head8(register_module("head8", conv1x1(8 * width, keyChannels))) {}

EncoderFeatures KeyEncoderImpl::forward(const torch::Tensor& x) {
    const EncoderFeatures f = encoder(x);
    return {l2NormalizeChannels(head4(f.s4)), l2NormalizeChannels(head8(f.s8))};
}

// ---- F ------------------------------------------------------------------------------------------------

FlowEstimatorImpl::FlowEstimatorImpl(int64_t semanticChannels, int64_t width, bool prior)
    : stem(register_module("stem", ConvBlock(2 * semanticChannels + 3, width))),
      down1(register_module("down1", ConvBlock(width, 2 * width, 2))),
      down2(register_module("down2", ConvBlock(2 * width, 4 * width, 2))),
      down3(register_module("down3", ConvBlock(4 * width, 8 * width, 2))),
      down4(register_module("down4", ConvBlock(8 * width, 8 * width, 2))),
      up8(register_module("up8", UpBlock(8 * width, 8 * width))),
      up4(register_module("up4", UpBlock(8 * width, 4 * width))),
      skip8(register_module("skip8", conv1x1(8 * width, 8 * width))),
      skip4(register_module("skip4", conv1x1(4 * width, 4 * width))),
      m_semanticChannels(semanticChannels),
      m_prior(prior) {
    std::vector<torch::nn::Conv2d*> zeroed;
    if (prior) {
        priorIn8 = register_module("prior_in8", conv1x1(2, 8 * width));
        priorIn4 = register_module("prior_in4", conv1x1(2, 4 * width));
        residual8 = register_module("residual8", conv3x3(8 * width, 2));
        residual4 = register_module("residual4", conv3x3(4 * width, 2));
        zeroed = {&priorIn8, &priorIn4, &residual8, &residual4};
    } else {
        head8 = register_module("head8", conv3x3(8 * width, 2));
        head4 = register_module("head4", conv3x3(4 * width, 2));
        zeroed = {&head8, &head4};
    }
    // Zero heads: training starts from the identity warp (docs/model.md, "Flow head"), or from the prior itself
    // with features that do not yet read it (docs/model.md, "Flow prior").
    torch::NoGradGuard noGrad;
    for (auto* conv : zeroed) {
        (*conv)->weight.zero_();
        (*conv)->bias.zero_();
    }
}

torch::Tensor FlowEstimatorImpl::referenceTerm(const torch::Tensor& referenceSemantics,
                                               const torch::Tensor& referenceImage) {
    // Input channel order of the stem: (s_t, s_r, x_r); the reference part is everything after s_t.
    const auto weight = stem->conv->weight.narrow(1, m_semanticChannels, m_semanticChannels + 3);
    return F::conv2d(torch::cat({referenceSemantics, referenceImage}, 1), weight,
                     F::Conv2dFuncOptions().bias(stem->conv->bias).padding(1));
}

torch::Tensor FlowEstimatorImpl::targetTerm(const torch::Tensor& targetSemantics) {
    const auto weight = stem->conv->weight.narrow(1, 0, m_semanticChannels);
    return F::conv2d(targetSemantics, weight, F::Conv2dFuncOptions().padding(1));
}

std::pair<torch::Tensor, torch::Tensor> FlowEstimatorImpl::forward(const torch::Tensor& stemConvolved,
                                                                   const FlowPrior& prior) {
    if (m_prior != prior.defined())
        throw Error(m_prior ? "this flow estimator refines a flow prior: give it one"
                            : "this flow estimator takes no flow prior");
    const auto x1 = down1(stem->normalizeAndActivate(stemConvolved));  // 1/2
    const auto x4 = down2(x1);                                         // s4
    const auto x8 = down3(x4);                                         // s8
    const auto x16 = down4(x8);                                        // 1/16
    if (!m_prior) {
        const auto u8 = up8(x16) + skip8(x8);
        const auto u4 = up4(u8) + skip4(x4);
        return {head8(u8), head4(u4)};
    }
    if (prior.s8.size(2) != x8.size(2) || prior.s8.size(3) != x8.size(3) || prior.s4.size(2) != x4.size(2) ||
        prior.s4.size(3) != x4.size(3))
        throw Error("the flow prior's grids do not match F's s8 and s4");
    // The prior enters in units of its grid's height (about -1 to 1), the flows leave in that grid's pixels.
    const auto p8 = prior.s8.to(x8.scalar_type()), p4 = prior.s4.to(x4.scalar_type());
    const auto u8 = up8(x16) + skip8(x8) + priorIn8(p8 / static_cast<double>(x8.size(2)));
    const auto u4 = up4(u8) + skip4(x4) + priorIn4(p4 / static_cast<double>(x4.size(2)));
    return {p8 + residual8(u8), p4 + residual4(u4)};
}

// ---- M ------------------------------------------------------------------------------------------------

CombinationImpl::CombinationImpl(int64_t width)
    : stem(register_module("stem", ConvBlock(6, width))),
      res1(register_module("res1", ResBlock(width))),
      res2(register_module("res2", ResBlock(width))),
      out(register_module("out", conv3x3(width, 1))) {}

torch::Tensor CombinationImpl::forward(const torch::Tensor& attentionWarped, const torch::Tensor& flowWarped) {
    return torch::sigmoid(out(res2(res1(stem(torch::cat({attentionWarped, flowWarped}, 1))))));
}

CombinationPairImpl::CombinationPairImpl(int64_t width)
    : s8(register_module("s8", Combination(width))), s4(register_module("s4", Combination(width))) {}

// ---- decoder ----------------------------------------------------------------------------------------

DecoderImpl::DecoderImpl(int64_t width, Normalization n, bool visibilityHead)
    : res8a(register_module("res8a", ResBlock(8 * width, n))),
      res8b(register_module("res8b", ResBlock(8 * width, n))),
      res4a(register_module("res4a", ResBlock(4 * width, n))),
      res4b(register_module("res4b", ResBlock(4 * width, n))),
      res2(register_module("res2", ResBlock(2 * width, n))),
      up4(register_module("up4", UpBlock(8 * width, 4 * width, n))),
      up2(register_module("up2", UpBlock(4 * width, 2 * width, n))),
      up1(register_module("up1", UpBlock(2 * width, width, n))),
      out(register_module("out", conv3x3(width, 3))) {
    if (!visibilityHead) return;
    visibility = register_module("visibility", conv3x3(width, 1));
    torch::NoGradGuard noGrad;  // V = 1 everywhere until trained: trust the warp
    visibility->weight.zero_();
    visibility->bias.zero_();
}

torch::Tensor DecoderImpl::upFromS8(const torch::Tensor& h8) { return up4(res8b(res8a(h8))); }

torch::Tensor DecoderImpl::features(const torch::Tensor& h4) { return up1(res2(up2(res4b(res4a(h4))))); }

torch::Tensor DecoderImpl::image(const torch::Tensor& lastFeatures) { return torch::tanh(out(lastFeatures)); }

torch::Tensor DecoderImpl::toImage(const torch::Tensor& h4) { return image(features(h4)); }

torch::Tensor DecoderImpl::visibilityOf(const torch::Tensor& lastFeatures) {
    if (visibility.is_empty()) throw Error("this decoder has no visibility head (a model without a flow prior)");
    // clamp's gradient passes at its bounds, so the zero-initialised head (V = 1 exactly) still learns.
    return (1.0 - visibility(lastFeatures)).clamp(0.0, 1.0);
}

// ---- generator ------------------------------------------------------------------------------------------

GeneratorImpl::GeneratorImpl(const ModelConfig& config) : m_config(config) {
    m_config.validate();
    const int64_t p = config.semanticChannels(), c = config.width, k = config.keyChannels;
    if (config.usesAttention()) {
        keyEncoder = register_module("key_enc", KeyEncoder(3, c, k));
        queryEncoder = register_module("query_enc", KeyEncoder(p, c, k));
    }
    if (config.usesFlow()) flow = register_module("flow", FlowEstimator(p, c, config.usesFlowPrior()));
    if (config.usesCombination()) combination = register_module("comb", CombinationPair(c));
    // The modules that carry the reference's appearance to the image use config.appearanceNorm; the others
    // (keys, queries, flow, combination, the target skeleton's encoder) keep instance norm.
    const Normalization appearance = config.appearanceNorm;
    if (config.deformation != Deformation::None)
        referenceEncoder = register_module("ref_enc", FeatureEncoder(3, c, appearance));
    // The baseline encodes the reference together with the target skeleton (an auto-encoder, no warping).
    targetEncoder =
        register_module("tgt_enc", config.deformation == Deformation::None ? FeatureEncoder(p + 3, c, appearance)
                                                                           : FeatureEncoder(p, c));
    decoder = register_module("dec", Decoder(c, appearance, config.usesFlowPrior()));
}

ReferenceEncoding GeneratorImpl::encodeReference(const torch::Tensor& referenceImage,
                                                 const torch::Tensor& referenceSemantics, StageTimer* timer) {
    StageTimer::Stage stage(timer, "reference");
    const int64_t h = m_config.height, w = m_config.canvasWidth;
    if (referenceImage.dim() != 4 || referenceImage.size(1) != 3 || referenceImage.size(2) != h ||
        referenceImage.size(3) != w)
        throw Error("the reference image must be [N, 3, " + std::to_string(h) + ", " + std::to_string(w) + "]");
    if (referenceSemantics.dim() != 4 || referenceSemantics.size(1) != m_config.semanticChannels() ||
        referenceSemantics.size(2) != h || referenceSemantics.size(3) != w)
        throw Error("the reference semantics must be [N, " + std::to_string(m_config.semanticChannels()) + ", " +
                    std::to_string(h) + ", " + std::to_string(w) + "]");
    ReferenceEncoding r;
    r.image = referenceImage;
    r.image8 = downsampleArea(referenceImage, h / 8, w / 8);
    r.image4 = downsampleArea(referenceImage, h / 4, w / 4);
    if (m_config.usesAttention()) {
        const EncoderFeatures keys = keyEncoder(referenceImage);
        r.keys4 = keys.s4;
        r.keys8 = keys.s8;
    }
    if (!referenceEncoder.is_empty()) {
        const EncoderFeatures f = referenceEncoder(referenceImage);
        r.features4 = f.s4;
        r.features8 = f.s8;
    }
    if (m_config.usesFlow()) r.flowReferenceTerm = flow->referenceTerm(referenceSemantics, referenceImage);
    return r;
}

torch::Tensor GeneratorImpl::warpedFeatures(const torch::Tensor& features, const torch::Tensor& image,
                                            const torch::Tensor& attention, const torch::Tensor& flowField,
                                            Combination combine, int64_t h, int64_t w,
                                            torch::Tensor& attentionWarpedImage, torch::Tensor& flowWarpedImage,
                                            torch::Tensor& mask) {
    const int64_t featureChannels = features.size(1);
    // Features and the downsampled image travel together: one product / one sampling per branch.
    const auto both = torch::cat({features, image}, 1);
    torch::Tensor byAttention, byFlow;
    if (attention.defined()) {
        const auto warped = warpAttention(both, attention, h, w);  // W_a (eq. 3)
        byAttention = warped.narrow(1, 0, featureChannels);
        attentionWarpedImage = warped.narrow(1, featureChannels, 3);
    }
    if (flowField.defined()) {
        const auto warped = warpFlow(both, flowField);  // W_f (eq. 6)
        byFlow = warped.narrow(1, 0, featureChannels);
        flowWarpedImage = warped.narrow(1, featureChannels, 3);
    }
    if (!byFlow.defined()) return byAttention;
    if (!byAttention.defined()) return byFlow;
    mask = combine->forward(attentionWarpedImage, flowWarpedImage);  // m (eq. 7)
    return mask * byAttention + (1.0 - mask) * byFlow;               // f_a (eq. 8)
}

GeneratorOutput GeneratorImpl::synthesize(const ReferenceEncoding& reference, const torch::Tensor& targetSemantics,
                                          StageTimer* timer) {
    return synthesize(reference, targetSemantics, FlowPrior{}, timer);
}

namespace {

void checkPrior(const FlowPrior& prior, int64_t n, int64_t h, int64_t w) {
    const auto fits = [n](const at::Tensor& t, int64_t gh, int64_t gw) {
        return t.defined() && t.dim() == 4 && t.size(0) == n && t.size(1) == 2 && t.size(2) == gh && t.size(3) == gw;
    };
    if (!fits(prior.canvas, h, w) || !fits(prior.s4, h / 4, w / 4) || !fits(prior.s8, h / 8, w / 8))
        throw Error("the flow prior must be [" + std::to_string(n) + ", 2, " + std::to_string(h) + ", " +
                    std::to_string(w) +
                    "] at the canvas (canvas pixels) with its s4 and s8 grids (flowPriorFromCanvas)");
}

}  // namespace

GeneratorOutput GeneratorImpl::synthesize(const ReferenceEncoding& reference, const torch::Tensor& targetSemantics,
                                          const FlowPrior& prior, StageTimer* timer) {
    const int64_t h = m_config.height, w = m_config.canvasWidth;
    if (targetSemantics.dim() != 4 || targetSemantics.size(1) != m_config.semanticChannels() ||
        targetSemantics.size(2) != h || targetSemantics.size(3) != w)
        throw Error("the target semantics must be [N, " + std::to_string(m_config.semanticChannels()) + ", " +
                    std::to_string(h) + ", " + std::to_string(w) + "]");
    if (m_config.usesFlowPrior() && !prior.defined())
        throw Error(
            "this model refines a flow prior (flow_prior in its configuration): give it the geometric warp's flow");
    if (!m_config.usesFlowPrior() && prior.defined())
        throw Error("this model takes no flow prior (its configuration has no flow_prior)");
    if (prior.defined()) checkPrior(prior, targetSemantics.size(0), h, w);
    GeneratorOutput out;
    if (m_config.deformation == Deformation::None) {
        StageTimer::Stage stage(timer, "decoder");
        const EncoderFeatures f = targetEncoder(torch::cat({reference.image, targetSemantics}, 1));
        out.image = decoder->toImage(decoder->upFromS8(f.s8) + f.s4);
        return out;
    }
    if (m_config.usesAttention()) {
        EncoderFeatures queries;
        {
            StageTimer::Stage stage(timer, "queries");
            queries = queryEncoder(targetSemantics);
        }
        StageTimer::Stage stage(timer, "attention");
        out.attention8 = attentionMatrix(reference.keys8, queries.s8);  // C (eq. 1-2)
        out.attention4 = attentionMatrix(reference.keys4, queries.s4);
    }
    if (m_config.usesFlow()) {
        StageTimer::Stage stage(timer, "flow");
        std::tie(out.flow8, out.flow4) = flow(reference.flowReferenceTerm + flow->targetTerm(targetSemantics), prior);
    }
    EncoderFeatures target;
    {
        StageTimer::Stage stage(timer, "target encoder");
        target = targetEncoder(targetSemantics);
    }
    const Combination none{nullptr};  // variants without M
    torch::Tensor warped8, warped4;
    {
        StageTimer::Stage stage(timer, "warp + combination");
        warped8 = warpedFeatures(reference.features8, reference.image8, out.attention8, out.flow8,
                                 !combination.is_empty() ? combination->s8 : none, h / 8, w / 8, out.attentionWarped8,
                                 out.flowWarped8, out.mask8);
        warped4 = warpedFeatures(reference.features4, reference.image4, out.attention4, out.flow4,
                                 !combination.is_empty() ? combination->s4 : none, h / 4, w / 4, out.attentionWarped4,
                                 out.flowWarped4, out.mask4);
    }
    StageTimer::Stage stage(timer, "decoder");
    if (!m_config.usesFlowPrior()) {
        out.image = decoder->toImage(decoder->upFromS8(target.s8 + warped8) + warped4);
        return out;
    }
    const auto last = decoder->features(decoder->upFromS8(target.s8 + warped8) + warped4);
    out.decoded = decoder->image(last);
    out.visibility = decoder->visibilityOf(last);
    // The residual at s4 brought to the canvas and added to the prior there, so an untrained F warps by the
    // canvas prior itself (sharp) rather than by its s4 average.
    out.flowCanvas =
        prior.canvas.to(out.flow4.scalar_type()) + upsampleFlow(out.flow4 - prior.s4.to(out.flow4.scalar_type()), h, w);
    out.canvasWarped = warpFlow(reference.image, out.flowCanvas);  // W_f at the canvas (eq. 6)
    out.image = out.visibility * out.canvasWarped + (1.0 - out.visibility) * out.decoded;
    return out;
}

torch::Tensor composeByThresholdedVisibility(const GeneratorOutput& out) {
    if (!out.visibility.defined()) throw Error("only a model with a flow prior has a visibility map");
    return torch::where(out.visibility >= 0.5, out.canvasWarped, out.decoded);
}

GeneratorOutput GeneratorImpl::forward(const torch::Tensor& referenceImage, const torch::Tensor& referenceSemantics,
                                       const torch::Tensor& targetSemantics, const torch::Tensor& flowPrior) {
    return synthesize(encodeReference(referenceImage, referenceSemantics), targetSemantics,
                      flowPrior.defined() ? flowPriorFromCanvas(flowPrior) : FlowPrior{});
}

int64_t parameterCount(torch::nn::Module& module) {
    int64_t n = 0;
    for (const auto& p : module.parameters()) n += p.numel();
    return n;
}

}  // namespace marionette::model
