#pragma once
// Draws a posed procedural person (internal to core/synth).
#include "figure.h"
#include "materials.h"

#include <torch/types.h>

#include <optional>

namespace marionette::synth::detail {

enum class HairStyle { Short, Long, Bun, Bald };

// Everything that makes one person recognisable in both images of a pair.
struct Identity {
    BodyShape shape;
    Colour skin, hair, lips, eyes, shoes;
    Material top, bottom;
    double sleeve = 0.5;    // covered length of the arm in segments: 0 sleeveless, 0.5 short, 2 long
    double legCover = 2.0;  // covered length of the leg in segments: 0 bare, 0.5 shorts, 2 full length
    Colour legwear;         // tights under a skirt
    bool skirt = false;
    double skirtLength = 0.2, skirtFlare = 0.03;  // units of body height
    HairStyle hairStyle = HairStyle::Short;
    double hairline = 0.45;    // fringe height on the forehead (head-local, 1 = crown)
    double hairVolume = 1.1;   // hair ellipsoid size relative to the head
    double hairLength = 0.15;  // long hair below the skull, units of body height
    double hairPhase = 0.0;    // fringe wave
    std::optional<Logo> logo;
    double heightFraction = 0.85;  // preferred figure height as a fraction of the canvas
};

struct IdentityOptions {
    double skirtProbability = 0.25;
    double longHairProbability = 0.4;
    double logoProbability = 0.5;
};

Identity sampleIdentity(Rng& rng, const IdentityOptions& options);

struct RenderedFigure {
    torch::Tensor image;  // [3, H, W] in [0, 1]
    torch::Tensor mask;   // [1, H, W] person coverage
};

// Draws the figure over `background` ([3, H, W] in [0, 1]).
RenderedFigure renderFigure(const Identity& identity, const Figure3d& figure, const Camera& camera,
                            const Lighting& light, const torch::Tensor& background);

}  // namespace marionette::synth::detail
