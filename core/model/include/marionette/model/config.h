#pragma once
// The configuration of a network (docs/model.md): which semantics it reads, its width, key size, canvas and
// deformation variant. Stored as JSON in a weights file's `marionette.config` metadata.
#include <string>

namespace marionette::model {

enum class SemanticsKind { Body, Face };
// The four variants of the paper's Table 2.
enum class Deformation { Full, Attention, Flow, None };
// Normalisation of the blocks that carry the reference's appearance (E_r, the baseline's encoder, the
// decoder). Instance norm makes them blind to a photo's overall colour and contrast (docs/model.md), so new models
// use none; files written before this choice existed have no key and mean instance.
enum class Normalization { Instance, None };

struct ModelConfig {
    SemanticsKind semantics = SemanticsKind::Body;
    int width = 32;         // c: channels of the first stage; stages use c, 2c, 4c, 8c
    int keyChannels = 64;   // K: channels of attention keys and queries
    int height = 256;       // canvas H, divisible by 16
    int canvasWidth = 176;  // canvas W, divisible by 16
    Deformation deformation = Deformation::Full;
    Normalization appearanceNorm = Normalization::None;
    std::string backbone = "none";  // the perceptual backbone the weights were trained with (metadata only)
    // Not in the paper (docs/model.md, "Flow prior"): F refines a given prior flow (the geometric warp's) by a
    // residual, and a visibility map V from the decoder chooses between the reference warped at the canvas and
    // the decoder's image. Flow variants only (full, flow). Stored as "flow_prior": true; absent means false.
    bool flowPrior = false;

    int semanticChannels() const;  // P: 18 for bodies, 9 for faces
    bool usesAttention() const { return deformation == Deformation::Full || deformation == Deformation::Attention; }
    bool usesFlow() const { return deformation == Deformation::Full || deformation == Deformation::Flow; }
    bool usesCombination() const { return deformation == Deformation::Full; }
    bool usesFlowPrior() const { return flowPrior; }

    // Throws marionette::Error naming the first invalid field.
    void validate() const;

    std::string toJson() const;
    static ModelConfig fromJson(const std::string& json);  // validates

    // Defaults: body 256 x 176 and portrait 256 x 256 at c = 32; "small" halves the width (c = 16).
    static ModelConfig body();
    static ModelConfig face();
    static ModelConfig small(ModelConfig base);
};

const char* toString(SemanticsKind kind);
const char* toString(Deformation deformation);
const char* toString(Normalization normalization);
Normalization normalizationFromString(const std::string& text);
SemanticsKind semanticsFromString(const std::string& text);
Deformation deformationFromString(const std::string& text);

}  // namespace marionette::model
