#include "materials.h"

#include "figure.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>

namespace marionette::synth::detail {

Colour mix(Colour a, Colour b, double t) {
    return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}
Colour scaled(Colour c, double s) {
    return {std::clamp(c.r * s, 0.0, 1.0), std::clamp(c.g * s, 0.0, 1.0), std::clamp(c.b * s, 0.0, 1.0)};
}

Colour fromHsv(double h, double s, double v) {
    h = (h - std::floor(h)) * 6.0;
    const int sector = static_cast<int>(h) % 6;
    const double f = h - std::floor(h);
    const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    switch (sector) {
        case 0:
            return {v, t, p};
        case 1:
            return {q, v, p};
        case 2:
            return {p, v, t};
        case 3:
            return {p, q, v};
        case 4:
            return {t, p, v};
        default:
            return {v, p, q};
    }
}

torch::Tensor toTensor(Colour c, const torch::Device& device) { return colourTensor(c.r, c.g, c.b, device); }

Colour sampleSkinTone(Rng& rng) {
    static const std::array<Colour, 6> anchors{{{0.98, 0.86, 0.77},
                                                {0.94, 0.77, 0.64},
                                                {0.83, 0.62, 0.47},
                                                {0.66, 0.46, 0.32},
                                                {0.46, 0.31, 0.21},
                                                {0.30, 0.20, 0.14}}};
    const double t = rng.uniform(0.0, static_cast<double>(anchors.size() - 1));
    const auto i = std::min(static_cast<std::size_t>(t), anchors.size() - 2);
    const Colour c = mix(anchors[i], anchors[i + 1], t - static_cast<double>(i));
    return scaled(c, rng.uniform(0.95, 1.04));
}

Colour sampleHairColour(Rng& rng) {
    switch (rng.weighted({0.35, 0.3, 0.12, 0.06, 0.08, 0.09})) {
        case 0:
            return fromHsv(rng.uniform(0.03, 0.08), rng.uniform(0.2, 0.5), rng.uniform(0.06, 0.16));  // black
        case 1:
            return fromHsv(rng.uniform(0.04, 0.09), rng.uniform(0.45, 0.7), rng.uniform(0.2, 0.45));  // brown
        case 2:
            return fromHsv(rng.uniform(0.1, 0.14), rng.uniform(0.35, 0.6), rng.uniform(0.7, 0.92));  // blond
        case 3:
            return fromHsv(rng.uniform(0.02, 0.06), rng.uniform(0.6, 0.85), rng.uniform(0.45, 0.7));  // red
        case 4:
            return fromHsv(0.1, rng.uniform(0.0, 0.1), rng.uniform(0.55, 0.85));  // grey
        default:
            return fromHsv(rng.uniform(0.0, 1.0), rng.uniform(0.5, 0.8), rng.uniform(0.4, 0.8));  // dyed
    }
}

Colour sampleClothColour(Rng& rng) {
    if (rng.chance(0.35)) {
        switch (rng.uniformInt(0, 6)) {
            case 0:
                return fromHsv(0.6, 0.1, rng.uniform(0.05, 0.15));  // black
            case 1:
                return fromHsv(0.1, 0.03, rng.uniform(0.88, 0.97));  // white
            case 2:
                return fromHsv(0.6, 0.03, rng.uniform(0.35, 0.7));  // grey
            case 3:
                return fromHsv(0.63, rng.uniform(0.5, 0.8), rng.uniform(0.2, 0.35));  // navy
            case 4:
                return fromHsv(0.1, rng.uniform(0.2, 0.35), rng.uniform(0.7, 0.88));  // beige
            case 5:
                return fromHsv(0.6, rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6));  // denim
            default:
                return fromHsv(0.22, rng.uniform(0.3, 0.5), rng.uniform(0.3, 0.45));  // olive
        }
    }
    return fromHsv(rng.uniform(0.0, 1.0), rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.95));
}

Colour sampleContrastingColour(Rng& rng, Colour base) {
    const double value = std::max({base.r, base.g, base.b});
    if (rng.chance(0.4)) return value > 0.55 ? fromHsv(0.6, 0.1, rng.uniform(0.05, 0.25)) : fromHsv(0.1, 0.05, 0.95);
    const double newValue =
        value > 0.55 ? rng.uniform(0.1, value - 0.3) : rng.uniform(std::min(0.95, value + 0.3), 0.98);
    return fromHsv(rng.uniform(0.0, 1.0), rng.uniform(0.3, 0.95), std::clamp(newValue, 0.05, 0.98));
}

Material sampleMaterial(Rng& rng, Garment garment) {
    Material m;
    const std::vector<double> topWeights{0.16, 0.26, 0.16, 0.1, 0.1, 0.12, 0.1};
    const std::vector<double> bottomWeights{0.45, 0.14, 0.15, 0.05, 0.04, 0.1, 0.07};
    const std::vector<double> wallWeights{0.0, 0.35, 0.2, 0.15, 0.15, 0.1, 0.05};
    const auto& weights = garment == Garment::Top      ? topWeights
                          : garment == Garment::Bottom ? bottomWeights
                                                       : wallWeights;
    m.kind = static_cast<PatternKind>(rng.weighted(weights));
    m.colours[0] = sampleClothColour(rng);
    m.colours[1] = sampleContrastingColour(rng, m.colours[0]);
    m.colours[2] = rng.chance(0.5) ? sampleClothColour(rng) : sampleContrastingColour(rng, m.colours[1]);
    const double wallScale = garment == Garment::Wall ? 2.5 : 1.0;
    m.period = wallScale * (rng.chance(0.5) ? rng.uniform(0.017, 0.03) : rng.uniform(0.03, 0.07));
    m.duty = rng.uniform(0.25, 0.6);
    m.weave = rng.uniform(0.02, 0.07);
    // Stripes mostly run across or along the part, sometimes diagonally.
    switch (rng.uniformInt(0, 3)) {
        case 0:
            m.angle = 0.0;
            break;
        case 1:
            m.angle = kPi / 2;
            break;
        case 2:
            m.angle = kPi / 4;
            break;
        default:
            m.angle = rng.uniform(0.0, kPi);
            break;
    }
    if (m.kind == PatternKind::Solid && garment == Garment::Bottom && rng.chance(0.5)) {
        // Denim: a fine diagonal twill in two close shades.
        m.kind = PatternKind::Stripes;
        m.colours[0] = fromHsv(rng.uniform(0.58, 0.64), rng.uniform(0.35, 0.65), rng.uniform(0.25, 0.6));
        m.colours[1] = scaled(m.colours[0], 0.8);
        m.period = 0.014;
        m.angle = kPi / 4;
        m.duty = 0.5;
    }
    for (Wave& w : m.waves) {
        const double k = 2.0 * kPi / (m.period * rng.uniform(1.2, 3.0));
        const double direction = rng.uniform(0.0, 2.0 * kPi);
        w = {k * std::cos(direction), k * std::sin(direction), rng.uniform(0.0, 2.0 * kPi)};
    }
    return m;
}

namespace {

torch::Tensor fract(const torch::Tensor& x) { return x - torch::floor(x); }

// 1 inside the stripes (fraction `duty` of each period centred on half-periods), anti-aliased over a pixel.
// Stripes finer than ~2 pixels fade to their mean instead of aliasing.
torch::Tensor stripes(const torch::Tensor& x, double periodPx, double duty) {
    const auto triangle = (fract(x / periodPx) - 0.5).abs() * 2.0;
    const auto m = (0.5 + (duty - triangle) * (periodPx / 2.0)).clamp(0.0, 1.0);
    const double sharp = std::clamp(periodPx - 2.0, 0.0, 1.0);
    return m * sharp + duty * (1.0 - sharp);
}

// Coverage of round spots of radius `radius` (pixels) on a staggered grid of `periodPx`.
struct Cells {
    torch::Tensor fx, fy;  // position in the cell, pixels from its centre
};
Cells staggeredCells(const torch::Tensor& s, const torch::Tensor& t, double periodPx) {
    const auto row = torch::floor(t / periodPx);
    const auto shifted = s / periodPx + 0.5 * row.remainder(2.0);
    return {(fract(shifted) - 0.5) * periodPx, (fract(t / periodPx) - 0.5) * periodPx};
}

torch::Tensor lerpColour(const torch::Tensor& base, Colour other, const torch::Tensor& weight) {
    const auto c = toTensor(other, weight.device());
    return base + (c - base) * weight.unsqueeze(0);
}

}  // namespace

torch::Tensor shadeMaterial(const Material& m, const torch::Tensor& u, const torch::Tensor& v, double pixelsPerUnit) {
    const auto device = u.device();
    const double periodPx = m.period * pixelsPerUnit;
    const double ca = std::cos(m.angle), sa = std::sin(m.angle);
    const auto s = u * ca + v * sa;
    const auto t = v * ca - u * sa;
    auto colour = toTensor(m.colours[0], device).expand({3, u.size(0), u.size(1)});
    switch (m.kind) {
        case PatternKind::Solid:
            break;
        case PatternKind::Stripes:
            colour = lerpColour(colour, m.colours[1], stripes(s, periodPx, m.duty));
            colour = lerpColour(colour, m.colours[2], stripes(s + periodPx * 0.5, periodPx, 0.12));
            break;
        case PatternKind::Checks: {
            const auto a = stripes(s, periodPx, m.duty), b = stripes(t, periodPx, m.duty);
            colour = lerpColour(colour, m.colours[1], (a + b) * 0.5);
            colour = lerpColour(colour, m.colours[2], a * b * 0.8);
            break;
        }
        case PatternKind::Dots: {
            const Cells c = staggeredCells(s, t, periodPx);
            const auto d = torch::sqrt(c.fx.square() + c.fy.square());
            colour = lerpColour(colour, m.colours[1], (0.5 + periodPx * m.duty * 0.45 - d).clamp(0.0, 1.0));
            break;
        }
        case PatternKind::Flowers: {
            const double bigPeriod = periodPx * 1.6;
            const Cells c = staggeredCells(s, t, bigPeriod);
            const auto d = torch::sqrt(c.fx.square() + c.fy.square());
            const auto petals = torch::cos(torch::atan2(c.fy, c.fx) * 5.0);
            const auto radius = bigPeriod * 0.38 * (0.68 + 0.32 * petals);
            colour = lerpColour(colour, m.colours[1], (0.5 + radius - d).clamp(0.0, 1.0));
            colour = lerpColour(colour, m.colours[2], (0.5 + bigPeriod * 0.1 - d).clamp(0.0, 1.0));
            break;
        }
        case PatternKind::Print: {
            auto field = torch::zeros_like(s);
            for (const Wave& w : m.waves)
                field = field + torch::sin(s * (w.kx / pixelsPerUnit) + t * (w.ky / pixelsPerUnit) + w.phase);
            // A steep threshold gives blotches with crisp edges about a pixel wide.
            const double steep = 0.5 * m.period * pixelsPerUnit;
            colour = lerpColour(colour, m.colours[1], (0.5 + field * steep).clamp(0.0, 1.0));
            colour = lerpColour(colour, m.colours[2], (0.5 + (field - 1.2) * steep).clamp(0.0, 1.0));
            break;
        }
        case PatternKind::Chevron: {
            const auto zig = (fract(t / (periodPx * 2.0)) - 0.5).abs() * (periodPx * 1.2);
            colour = lerpColour(colour, m.colours[1], stripes(s + zig, periodPx, m.duty));
            break;
        }
    }
    // Fine fabric texture: a weave a few pixels across.
    const auto weave = 1.0 + m.weave * torch::sin(u * 2.1) * torch::sin(v * 2.3);
    return colour * weave.unsqueeze(0);
}

Logo sampleLogo(Rng& rng, Colour shirt) {
    Logo l;
    l.kind = static_cast<Logo::Kind>(rng.uniformInt(0, 3));
    l.colour = sampleContrastingColour(rng, shirt);
    l.accent = sampleClothColour(rng);
    l.size = rng.uniform(0.025, 0.05);
    l.height = rng.uniform(0.22, 0.4);
    l.points = rng.uniformInt(4, 7);
    const int strokes = rng.uniformInt(2, 4);
    for (int i = 0; i < strokes; ++i)
        l.strokes.push_back(
            {rng.uniform(-0.8, 0.8), rng.uniform(-0.8, 0.8), rng.uniform(-0.8, 0.8), rng.uniform(-0.8, 0.8)});
    return l;
}

std::pair<torch::Tensor, torch::Tensor> shadeLogo(const Logo& l, const torch::Tensor& u, const torch::Tensor& v,
                                                  double size) {
    const auto device = u.device();
    const auto r = torch::sqrt(u.square() + v.square());
    const auto colour = toTensor(l.colour, device);
    const auto accent = toTensor(l.accent, device);
    switch (l.kind) {
        case Logo::Kind::Star: {
            const auto theta = torch::atan2(v, u);
            const auto edge = size * (0.62 + 0.38 * torch::cos(theta * static_cast<double>(l.points)));
            return {(0.5 + edge - r).clamp(0.0, 1.0), colour.expand({3, u.size(0), u.size(1)})};
        }
        case Logo::Kind::Ring: {
            const auto ring = (0.5 + size * 0.22 - (r - size * 0.75).abs()).clamp(0.0, 1.0);
            const auto dot = (0.5 + size * 0.3 - r).clamp(0.0, 1.0);
            const auto alpha = torch::maximum(ring, dot);
            const auto c = colour + (accent - colour) * dot.unsqueeze(0);
            return {alpha, c};
        }
        case Logo::Kind::Badge: {
            // A rectangle with lines of "text" in the accent colour.
            const auto box = torch::maximum(u.abs() - size, v.abs() - size * 0.6);
            const auto alpha = (0.5 - box).clamp(0.0, 1.0);
            const auto text = stripes(v + size * 0.6, std::max(3.0, size * 0.4), 0.45) *
                              (0.5 + size * 0.75 - u.abs()).clamp(0.0, 1.0) *
                              (0.5 + size * 0.45 - v.abs()).clamp(0.0, 1.0);
            return {alpha, colour + (accent - colour) * text.unsqueeze(0)};
        }
        case Logo::Kind::Glyph:
        default: {
            auto distance = torch::full_like(u, 1e6);
            for (const auto& s : l.strokes) {
                const double ax = s[0] * size, ay = s[1] * size, ex = (s[2] - s[0]) * size, ey = (s[3] - s[1]) * size;
                const auto wx = u - ax, wy = v - ay;
                const auto t = ((wx * ex + wy * ey) / std::max(1e-6, ex * ex + ey * ey)).clamp(0.0, 1.0);
                distance = torch::minimum(distance, torch::sqrt((wx - t * ex).square() + (wy - t * ey).square()));
            }
            return {(0.5 + std::max(1.0, size * 0.18) - distance).clamp(0.0, 1.0),
                    colour.expand({3, u.size(0), u.size(1)})};
        }
    }
}

Lighting sampleLighting(Rng& rng) {
    Lighting l;
    const double x = rng.uniform(-0.7, 0.7), y = rng.uniform(-0.8, 0.1), z = rng.uniform(0.45, 1.0);
    const double n = std::sqrt(x * x + y * y + z * z);
    l.dx = x / n;
    l.dy = y / n;
    l.dz = z / n;
    l.ambient = rng.uniform(0.4, 0.65);
    const double warmth = rng.uniform(-0.06, 0.06);
    const double intensity = rng.uniform(0.95, 1.12);
    l.tint = {intensity * (1.0 + warmth), intensity, intensity * (1.0 - warmth)};
    return l;
}

torch::Tensor lit(const torch::Tensor& colour, const torch::Tensor& nx, const torch::Tensor& ny,
                  const torch::Tensor& nz, const Lighting& light) {
    const auto diffuse = (nx * light.dx + ny * light.dy + nz * light.dz).clamp_min(0.0);
    const auto shade = (light.ambient + (1.0 - light.ambient) * diffuse).unsqueeze(0);
    return colour * shade * toTensor(light.tint, colour.device());
}

Background sampleBackground(Rng& rng, double plainProbability) {
    Background b;
    const double rest = (1.0 - plainProbability) / 3.0;
    b.kind = static_cast<Background::Kind>(rng.weighted({plainProbability, rest, rest, rest}));
    switch (b.kind) {
        case Background::Kind::Studio: {
            const double hue = rng.uniform(0.0, 1.0), sat = rng.uniform(0.0, 0.12);
            b.top = fromHsv(hue, sat, rng.uniform(0.8, 0.98));
            b.bottom = fromHsv(hue, sat, rng.uniform(0.7, 0.92));
            b.floor = scaled(b.bottom, rng.uniform(0.85, 0.97));
            b.floorFar = b.floor;
            b.horizon = rng.uniform(0.8, 0.92);
            break;
        }
        case Background::Kind::Room:
        case Background::Kind::Wallpaper: {
            b.top = fromHsv(rng.uniform(0.0, 1.0), rng.uniform(0.05, 0.4), rng.uniform(0.45, 0.9));
            b.bottom = scaled(b.top, rng.uniform(0.8, 1.0));
            b.floor = fromHsv(rng.uniform(0.05, 0.12), rng.uniform(0.2, 0.6), rng.uniform(0.25, 0.6));
            b.floorFar = scaled(b.floor, rng.uniform(0.8, 1.1));
            b.horizon = rng.uniform(0.72, 0.88);
            b.wallpaper = sampleMaterial(rng, Garment::Wall);
            b.wallpaper.colours[0] = b.top;
            b.wallpaper.colours[1] = mix(b.top, b.wallpaper.colours[1], 0.5);
            b.wallpaperContrast = b.kind == Background::Kind::Wallpaper ? rng.uniform(0.3, 0.8) : 0.0;
            break;
        }
        case Background::Kind::Outdoor: {
            b.top = fromHsv(rng.uniform(0.55, 0.62), rng.uniform(0.2, 0.6), rng.uniform(0.75, 0.98));
            b.bottom = fromHsv(rng.uniform(0.55, 0.62), rng.uniform(0.05, 0.25), rng.uniform(0.85, 1.0));
            b.floor = fromHsv(rng.uniform(0.08, 0.35), rng.uniform(0.2, 0.6), rng.uniform(0.3, 0.6));
            b.floorFar = scaled(b.floor, 0.8);
            b.horizon = rng.uniform(0.45, 0.7);
            const int count = rng.uniformInt(2, 6);
            for (int i = 0; i < count; ++i) {
                const bool tree = rng.chance(0.6);
                b.blobs.push_back({rng.uniform(-0.1, 1.1), b.horizon - rng.uniform(0.0, 0.15), rng.uniform(0.08, 0.3),
                                   rng.uniform(0.05, 0.25),
                                   tree ? fromHsv(rng.uniform(0.22, 0.4), rng.uniform(0.3, 0.7), rng.uniform(0.2, 0.5))
                                        : fromHsv(rng.uniform(0.0, 1.0), rng.uniform(0.0, 0.3), rng.uniform(0.5, 0.9)),
                                   rng.uniform(0.6, 1.0)});
            }
            break;
        }
    }
    if (b.kind != Background::Kind::Outdoor) {
        const int count = rng.uniformInt(0, 3);
        for (int i = 0; i < count; ++i)
            b.blobs.push_back(
                {rng.uniform(0.0, 1.0), rng.uniform(0.0, b.horizon), rng.uniform(0.1, 0.5), rng.uniform(0.1, 0.5),
                 fromHsv(rng.uniform(0.0, 1.0), rng.uniform(0.0, 0.3), rng.uniform(0.3, 1.0)), rng.uniform(0.08, 0.3)});
    }
    return b;
}

torch::Tensor renderBackground(const Background& b, const Lighting& light, int height, int width, double pixelsPerUnit,
                               const torch::Device& device) {
    const auto f32 = torch::TensorOptions(torch::kFloat32).device(device);
    const auto ys = torch::arange(height, f32).view({-1, 1}) / static_cast<double>(height);  // [H, 1]
    const auto xs = torch::arange(width, f32).view({1, -1}) / static_cast<double>(width);    // [1, W]
    const auto top = toTensor(b.top, device), bottom = toTensor(b.bottom, device);
    auto wall = top + (bottom - top) * (ys / b.horizon).clamp(0.0, 1.0).unsqueeze(0);  // [3, H, 1]
    wall = wall.expand({3, height, width});
    if (b.wallpaperContrast > 0.0) {
        const auto u = xs.expand({height, width}) * width, v = ys.expand({height, width}) * height;
        const auto paper = shadeMaterial(b.wallpaper, u, v, pixelsPerUnit);
        wall = wall + (paper - wall) * b.wallpaperContrast;
    }
    for (const auto& blob : b.blobs) {
        const auto d = ((xs - blob.x) / blob.rx).square() + ((ys - blob.y) / blob.ry).square();
        const auto alpha = (torch::exp(-d * 2.0) * blob.opacity).unsqueeze(0);
        wall = wall + (toTensor(blob.colour, device) - wall) * alpha;
    }
    // The floor darkens towards the camera and meets the wall in a soft line.
    const auto depth = ((ys - b.horizon) / (1.0 - b.horizon)).clamp(0.0, 1.0).unsqueeze(0);
    const auto floor =
        toTensor(b.floorFar, device) + (toTensor(b.floor, device) - toTensor(b.floorFar, device)) * depth;
    const auto onFloor = smoothstep(b.horizon - 0.004, b.horizon + 0.004, ys).unsqueeze(0);
    auto image = wall + (floor - wall) * onFloor;
    // Light falls off away from its side of the picture.
    const auto falloff = 1.0 + 0.12 * ((xs - 0.5) * light.dx + (ys - 0.5) * light.dy);
    return (image * falloff.unsqueeze(0) * toTensor(light.tint, device)).clamp(0.0, 1.0);
}

}  // namespace marionette::synth::detail
