#pragma once
// The generator of docs/model.md: the deformation estimation module (E_x, E_s, F, M) and the image synthesis
// module G (E_r, E_t, warps at s8 and s4, decoder), for the four deformation variants.
//
// Usage:
//   Generator g(config);
//   auto out = g->forward(x_r, s_r, s_t);                 // training: one call
//   auto ref = g->encodeReference(x_r, s_r);              // editing: once per reference ...
//   auto out = g->synthesize(ref, s_t);                   // ... then once per edit
// Images are [N, 3, H, W] in [-1, 1]; semantics [N, P, H, W].
#include "marionette/model/blocks.h"
#include "marionette/model/config.h"
#include "marionette/model/warps.h"
#include "marionette/util/stage_timer.h"

namespace marionette::model {

// E_x / E_s: a FeatureEncoder and 1x1 heads to K channels at s4 and s8.
class KeyEncoderImpl : public torch::nn::Module {
public:
    KeyEncoderImpl(int64_t in, int64_t width, int64_t keyChannels);
    // Normalised keys (or queries) at s8 and s4.
    EncoderFeatures forward(const torch::Tensor& x);

    FeatureEncoder encoder{nullptr};
    torch::nn::Conv2d head4{nullptr}, head8{nullptr};
};
TORCH_MODULE(KeyEncoder);

// F: flow from concat(s_t, s_r, x_r) at s8 and s4. Its first convolution is linear in its input, so it is
// split into a reference part (cached per reference) and a target part (per edit).
// With a flow prior (ModelConfig::flowPrior, docs/model.md "Flow prior"), the prior at s8 and s4 enters the
// upsampling path through 1x1 convolutions (prior_in8, prior_in4) and the heads (residual8, residual4) predict
// a residual added to it; all four start at zero, so an untrained F returns the prior exactly. The paper's
// heads (head8, head4) exist only without the prior.
class FlowEstimatorImpl : public torch::nn::Module {
public:
    FlowEstimatorImpl(int64_t semanticChannels, int64_t width, bool prior = false);
    torch::Tensor referenceTerm(const torch::Tensor& referenceSemantics, const torch::Tensor& referenceImage);
    torch::Tensor targetTerm(const torch::Tensor& targetSemantics);
    // w8, w4 from the sum of both terms (and, with a prior, prior + residual at each scale).
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& stemConvolved, const FlowPrior& prior = {});
    bool refinesPrior() const { return m_prior; }

    ConvBlock stem{nullptr}, down1{nullptr}, down2{nullptr}, down3{nullptr}, down4{nullptr};
    UpBlock up8{nullptr}, up4{nullptr};
    torch::nn::Conv2d skip8{nullptr}, skip4{nullptr}, head8{nullptr}, head4{nullptr};
    torch::nn::Conv2d priorIn8{nullptr}, priorIn4{nullptr}, residual8{nullptr}, residual4{nullptr};

private:
    int64_t m_semanticChannels;
    bool m_prior;
};
TORCH_MODULE(FlowEstimator);

// M at one scale: concat(W_a(x_r down, C), W_f(x_r down, w)) -> m in [0, 1] (eq. 7).
class CombinationImpl : public torch::nn::Module {
public:
    explicit CombinationImpl(int64_t width);
    torch::Tensor forward(const torch::Tensor& attentionWarped, const torch::Tensor& flowWarped);

    ConvBlock stem{nullptr};
    ResBlock res1{nullptr}, res2{nullptr};
    torch::nn::Conv2d out{nullptr};
};
TORCH_MODULE(Combination);

class CombinationPairImpl : public torch::nn::Module {
public:
    explicit CombinationPairImpl(int64_t width);
    Combination s8{nullptr}, s4{nullptr};
};
TORCH_MODULE(CombinationPair);

// The decoder of G: 2 ResBlocks at s8, up to s4, 2 ResBlocks, up, ResBlock, up, conv -> tanh. With a flow
// prior it also has the visibility head V (docs/model.md, "Flow prior").
class DecoderImpl : public torch::nn::Module {
public:
    DecoderImpl(int64_t width, Normalization normalization, bool visibilityHead = false);
    torch::Tensor upFromS8(const torch::Tensor& h8);              // -> h4 [N, 4c, H/4, W/4]
    torch::Tensor features(const torch::Tensor& h4PlusFeatures);  // -> the last features [N, c, H, W]
    torch::Tensor image(const torch::Tensor& lastFeatures);       // -> x_hat [N, 3, H, W]
    torch::Tensor toImage(const torch::Tensor& h4PlusFeatures);   // image(features(h4))
    // V [N, 1, H, W] in [0, 1] = clamp(1 - conv(features), 0, 1): 1 (trust the warp) while the head is zero.
    torch::Tensor visibilityOf(const torch::Tensor& lastFeatures);

    ResBlock res8a{nullptr}, res8b{nullptr}, res4a{nullptr}, res4b{nullptr}, res2{nullptr};
    UpBlock up4{nullptr}, up2{nullptr}, up1{nullptr};
    torch::nn::Conv2d out{nullptr};
    torch::nn::Conv2d visibility{nullptr};  // null without a flow prior
};
TORCH_MODULE(Decoder);

// Everything that depends only on the reference (x_r, s_r): computed once per photo in the editor.
struct ReferenceEncoding {
    torch::Tensor image8, image4;        // x_r down (area) at s8 and s4
    torch::Tensor keys8, keys4;          // normalised E_x keys (attention variants)
    torch::Tensor features8, features4;  // f_r8, f_r4 from E_r (warping variants)
    torch::Tensor flowReferenceTerm;     // F's first convolution of (s_r, x_r), bias included (flow variants)
    torch::Tensor image;                 // x_r itself (the "none" variant encodes it with s_t)
};

struct GeneratorOutput {
    torch::Tensor image;                               // x_hat_t
    torch::Tensor flow8, flow4;                        // w (flow variants)
    torch::Tensor attention8, attention4;              // C [N, HW_ref, HW_tgt] (attention variants)
    torch::Tensor mask8, mask4;                        // m (full variant)
    torch::Tensor attentionWarped8, attentionWarped4;  // W_a(x_r down, C)
    torch::Tensor flowWarped8, flowWarped4;            // W_f(x_r down, w)
    // Flow prior variant only (docs/model.md, "Flow prior"):
    torch::Tensor flowCanvas;    // prior + residual at the canvas [N, 2, H, W], canvas pixels
    torch::Tensor canvasWarped;  // W_f(x_r, flowCanvas) [N, 3, H, W]
    torch::Tensor decoded;       // G, the decoder's image
    torch::Tensor visibility;    // V [N, 1, H, W]; image = V * canvasWarped + (1 - V) * decoded
};

// A flow prior model's output with V decided per pixel: the warped reference where V >= 0.5, the decoder's image
// elsewhere. What the editor's hybrid composition does at the photo's resolution (the photo's pixels where V says
// they show the target, the network's drawing only where they cannot), measured at the canvas.
torch::Tensor composeByThresholdedVisibility(const GeneratorOutput& out);

class GeneratorImpl : public torch::nn::Module {
public:
    explicit GeneratorImpl(const ModelConfig& config);

    ReferenceEncoding encodeReference(const torch::Tensor& referenceImage, const torch::Tensor& referenceSemantics,
                                      StageTimer* timer = nullptr);
    // `timer`, when given, receives the time of each stage (queries, attention, flow, target encoder, warp
    // and combination, decoder). A model with a flow prior needs `prior` (flowPriorFromCanvas), others refuse one.
    GeneratorOutput synthesize(const ReferenceEncoding& reference, const torch::Tensor& targetSemantics,
                               StageTimer* timer = nullptr);
    GeneratorOutput synthesize(const ReferenceEncoding& reference, const torch::Tensor& targetSemantics,
                               const FlowPrior& prior, StageTimer* timer = nullptr);
    // `flowPrior`: the prior at the canvas [N, 2, H, W] (canvas pixels), for models with a flow prior.
    GeneratorOutput forward(const torch::Tensor& referenceImage, const torch::Tensor& referenceSemantics,
                            const torch::Tensor& targetSemantics, const torch::Tensor& flowPrior = {});

    const ModelConfig& config() const { return m_config; }

    KeyEncoder keyEncoder{nullptr}, queryEncoder{nullptr};
    FlowEstimator flow{nullptr};
    CombinationPair combination{nullptr};
    FeatureEncoder referenceEncoder{nullptr}, targetEncoder{nullptr};
    Decoder decoder{nullptr};

private:
    // One scale of G's warp: mixes the attention- and flow-warped reference features (eq. 8).
    torch::Tensor warpedFeatures(const torch::Tensor& features, const torch::Tensor& image,
                                 const torch::Tensor& attention, const torch::Tensor& flow, Combination combine,
                                 int64_t h, int64_t w, torch::Tensor& attentionWarpedImage,
                                 torch::Tensor& flowWarpedImage, torch::Tensor& mask);

    ModelConfig m_config;
};
TORCH_MODULE(Generator);

int64_t parameterCount(torch::nn::Module& module);

}  // namespace marionette::model
