#pragma once
// Colours, clothing patterns, logos, backgrounds and lighting of the procedural data (internal to
// core/synth). Patterns are functions of coordinates in a body part's own frame, so they move with the part:
// that is what makes the flow between the two images of a pair learnable.
#include "marionette/synth/random.h"
#include "raster.h"

#include <torch/types.h>

#include <array>
#include <vector>

namespace marionette::synth::detail {

struct Colour {
    double r = 0.0, g = 0.0, b = 0.0;  // [0, 1]
};
Colour mix(Colour a, Colour b, double t);
Colour scaled(Colour c, double s);
Colour fromHsv(double hue, double saturation, double value);    // hue in [0, 1)
torch::Tensor toTensor(Colour c, const torch::Device& device);  // [3, 1, 1]

Colour sampleSkinTone(Rng& rng);
Colour sampleHairColour(Rng& rng);
// A clothing colour: neutrals (black, white, grey, navy, beige, denim) or a random hue.
Colour sampleClothColour(Rng& rng);
// A colour that stands out against `base` (in value or hue).
Colour sampleContrastingColour(Rng& rng, Colour base);

enum class PatternKind { Solid, Stripes, Checks, Dots, Flowers, Print, Chevron };
enum class Garment { Top, Bottom, Wall };

struct Wave {
    double kx = 0.0, ky = 0.0, phase = 0.0;  // radians per unit of length
};

struct Material {
    PatternKind kind = PatternKind::Solid;
    std::array<Colour, 3> colours{};
    double period = 0.03;         // pattern period in units of body height
    double angle = 0.0;           // orientation of the pattern in the part's frame
    double duty = 0.5;            // stripe / dot fill fraction
    double weave = 0.04;          // contrast of the fine fabric texture
    std::array<Wave, 4> waves{};  // Print: a sum of plane waves thresholded into three colours
};

Material sampleMaterial(Rng& rng, Garment garment);

// The material's colour [3, h, w] in [0, 1] at surface coordinates (u across, v along), in pixels;
// `pixelsPerUnit` converts the material's lengths to pixels.
torch::Tensor shadeMaterial(const Material& material, const torch::Tensor& u, const torch::Tensor& v,
                            double pixelsPerUnit);

// A print on the front of a shirt: a star, a ring, a badge with lines of "text", or a glyph of strokes.
struct Logo {
    enum class Kind { Star, Ring, Badge, Glyph } kind = Kind::Star;
    Colour colour, accent;
    double size = 0.04;   // half-size in units of body height
    double height = 0.3;  // centre, as a fraction of the torso length from the shoulders
    int points = 5;
    std::vector<std::array<double, 4>> strokes;  // Glyph: segments in [-1, 1]^2
};
Logo sampleLogo(Rng& rng, Colour shirt);
// Coverage [h, w] of the logo and its colour [3, h, w], at coordinates (u, v) relative to its centre, in
// pixels, for a logo `size` pixels in half-size.
std::pair<torch::Tensor, torch::Tensor> shadeLogo(const Logo& logo, const torch::Tensor& u, const torch::Tensor& v,
                                                  double size);

// Light from a direction in image axes (x right, y down, z towards the camera).
struct Lighting {
    double dx = 0.3, dy = -0.5, dz = 0.8;  // unit vector towards the light
    double ambient = 0.5;
    Colour tint{1.0, 1.0, 1.0};
};
Lighting sampleLighting(Rng& rng);
// colour * tint * (ambient + (1 - ambient) * max(0, n . l)); normal components [h, w] each.
torch::Tensor lit(const torch::Tensor& colour, const torch::Tensor& nx, const torch::Tensor& ny,
                  const torch::Tensor& nz, const Lighting& light);

struct Background {
    enum class Kind { Studio, Room, Wallpaper, Outdoor } kind = Kind::Studio;
    Colour top, bottom, floor, floorFar;
    double horizon = 0.85;  // floor line, as a fraction of the height
    Material wallpaper;
    double wallpaperContrast = 0.3;
    struct Blob {
        double x, y, rx, ry;  // fractions of the canvas
        Colour colour;
        double opacity;
    };
    std::vector<Blob> blobs;
};
Background sampleBackground(Rng& rng, double plainProbability);
// [3, H, W] in [0, 1]; `pixelsPerUnit` scales the wallpaper like the person.
torch::Tensor renderBackground(const Background& background, const Lighting& light, int height, int width,
                               double pixelsPerUnit, const torch::Device& device);

}  // namespace marionette::synth::detail
