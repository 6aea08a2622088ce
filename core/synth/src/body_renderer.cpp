#include "body_renderer.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace marionette::synth::detail {

using pose::JointId;

Identity sampleIdentity(Rng& rng, const IdentityOptions& options) {
    Identity id;
    id.shape = sampleBodyShape(rng);
    id.skin = sampleSkinTone(rng);
    id.hair = sampleHairColour(rng);
    id.lips = mix(id.skin, fromHsv(rng.uniform(0.95, 1.02), rng.uniform(0.4, 0.7), rng.uniform(0.45, 0.75)),
                  rng.uniform(0.4, 0.8));
    id.eyes = fromHsv(rng.uniform(0.05, 0.6), rng.uniform(0.2, 0.6), rng.uniform(0.08, 0.25));
    id.shoes = rng.chance(0.5) ? fromHsv(0.08, 0.3, rng.uniform(0.05, 0.25)) : sampleClothColour(rng);
    id.top = sampleMaterial(rng, Garment::Top);
    id.bottom = sampleMaterial(rng, Garment::Bottom);
    switch (rng.weighted({0.15, 0.45, 0.1, 0.3})) {
        case 0:
            id.sleeve = 0.0;
            break;
        case 1:
            id.sleeve = rng.uniform(0.35, 0.7);
            break;
        case 2:
            id.sleeve = rng.uniform(1.2, 1.6);
            break;
        default:
            id.sleeve = 2.2;
            break;
    }
    id.skirt = rng.chance(options.skirtProbability);
    if (id.skirt) {
        id.skirtLength = rng.uniform(0.14, 0.32);
        id.skirtFlare = rng.uniform(0.0, 0.06);
        id.legCover = rng.chance(0.3) ? 2.2 : 0.0;
        id.legwear = rng.chance(0.5) ? fromHsv(0.6, 0.1, rng.uniform(0.05, 0.2)) : scaled(id.skin, 0.85);
    } else {
        id.legCover = rng.chance(0.25) ? rng.uniform(0.35, 0.8) : 2.2;
    }
    id.hairStyle = rng.chance(options.longHairProbability)
                       ? HairStyle::Long
                       : static_cast<HairStyle>(rng.weighted({0.75, 0.0, 0.12, 0.13}));
    id.hairline = rng.uniform(0.25, 0.6);
    id.hairVolume = rng.uniform(1.04, 1.2);
    id.hairLength = rng.uniform(0.08, 0.28);
    id.hairPhase = rng.uniform(0.0, 2.0 * kPi);
    if (rng.chance(options.logoProbability)) id.logo = sampleLogo(rng, id.top.colours[0]);
    id.heightFraction = rng.uniform(0.8, 0.93);
    return id;
}

namespace {

// An ellipsoid seen by the orthographic camera: per pixel of a window, its silhouette, the depth and head-
// local coordinates of the nearest surface point, and the surface normal in image axes.
struct EllipsoidHit {
    torch::Tensor sdf;         // pixels, negative inside the silhouette
    torch::Tensor z;           // camera depth of the front surface (larger is nearer)
    torch::Tensor lx, ly, lz;  // surface point in the ellipsoid's frame, scaled to [-1, 1]
    torch::Tensor nx, ny, nz;  // unit normal, image axes (y down)
};

struct Ellipsoid {
    Vec3 centre;
    std::array<Vec3, 3> axes;  // unit vectors in the camera frame: lateral, up, forward
    std::array<double, 3> radii;
};

EllipsoidHit castEllipsoid(const Ellipsoid& e, const Window& w, const Camera& cam) {
    // Pixel -> camera units: X = (x - offsetX) / scale, Y = (groundY - y) / scale, and the ray runs along Z.
    const auto X = (w.xs - cam.offsetX) / cam.scale;  // [1, w]
    const auto Y = (cam.groundY - w.ys) / cam.scale;  // [h, 1]
    std::array<torch::Tensor, 3> alpha;
    std::array<double, 3> beta{};
    double A = 0.0, bX = 0.0, bY = 0.0;
    for (std::size_t i = 0; i < 3; ++i) {
        const Vec3& a = e.axes[i];
        const double r = e.radii[i];
        alpha[i] = ((X - e.centre.x) * a.x + (Y - e.centre.y) * a.y - e.centre.z * a.z) / r;
        beta[i] = a.z / r;
        A += beta[i] * beta[i];
        bX += beta[i] * a.x / r;
        bY += beta[i] * a.y / r;
    }
    auto B = alpha[0] * beta[0] + alpha[1] * beta[1] + alpha[2] * beta[2];
    auto C = alpha[0].square() + alpha[1].square() + alpha[2].square();
    auto dCdX = torch::zeros_like(B), dCdY = torch::zeros_like(B);
    for (std::size_t i = 0; i < 3; ++i) {
        dCdX = dCdX + alpha[i] * (2.0 * e.axes[i].x / e.radii[i]);
        dCdY = dCdY + alpha[i] * (2.0 * e.axes[i].y / e.radii[i]);
    }
    const auto disc = B.square() - A * (C - 1.0);
    // The silhouette is disc = 0; first-order distance in pixels (d/dx = d/dX / scale, and y runs down).
    const auto gx = 2.0 * B * bX - A * dCdX, gy = 2.0 * B * bY - A * dCdY;
    const auto gradient = torch::sqrt(gx.square() + gy.square()).clamp_min(1e-6) / cam.scale;
    EllipsoidHit hit;
    hit.sdf = -disc / gradient;
    const auto zOffset = (-B + torch::sqrt(disc.clamp_min(0.0))) / A;
    hit.z = torch::where(disc > 0.0, zOffset, torch::full_like(zOffset, -1e3));
    hit.lx = alpha[0] + zOffset * beta[0];
    hit.ly = alpha[1] + zOffset * beta[1];
    hit.lz = alpha[2] + zOffset * beta[2];
    // Normal = sum_i (l_i / r_i) a_i, normalised; camera Y is up, image y down.
    std::array<torch::Tensor, 3> n;
    for (int c = 0; c < 3; ++c) {
        n[static_cast<std::size_t>(c)] = torch::zeros_like(hit.lx);
        for (std::size_t i = 0; i < 3; ++i) {
            const auto& l = i == 0 ? hit.lx : i == 1 ? hit.ly : hit.lz;
            const double comp = c == 0 ? e.axes[i].x : c == 1 ? e.axes[i].y : e.axes[i].z;
            n[static_cast<std::size_t>(c)] = n[static_cast<std::size_t>(c)] + l * (comp / e.radii[i]);
        }
    }
    const auto norm = torch::sqrt(n[0].square() + n[1].square() + n[2].square()).clamp_min(1e-6);
    hit.nx = n[0] / norm;
    hit.ny = -n[1] / norm;
    hit.nz = (n[2] / norm).clamp_min(0.0);
    return hit;
}

// A soft elliptical spot in head-local coordinates: 1 inside, fading over `soft` of its radius.
torch::Tensor spot(const torch::Tensor& lx, const torch::Tensor& ly, double cx, double cy, double rx, double ry,
                   double soft = 0.35) {
    const auto e = torch::sqrt(((lx - cx) / rx).square() + ((ly - cy) / ry).square());
    return smoothstep(1.0, 1.0 - soft, e);
}

class FigurePainter {
public:
    FigurePainter(const Identity& id, const Figure3d& f, const Camera& cam, const Lighting& light,
                  const torch::Tensor& background)
        : m_id(id), m_f(f), m_cam(cam), m_light(light), m_canvas(background), m_s(cam.scale), m_legMaterial(id.bottom) {
        // Tights under a skirt are plain; trousers continue the bottom's pattern.
        if (id.skirt) {
            m_legMaterial.kind = PatternKind::Solid;
            m_legMaterial.colours[0] = id.legwear;
        }
        m_shoeMaterial.kind = PatternKind::Solid;
        m_shoeMaterial.colours[0] = id.shoes;
        m_shoeMaterial.weave = 0.02;
    }

    RenderedFigure paint() {
        struct Part {
            double depth;
            std::function<void()> draw;
        };
        std::vector<Part> parts;
        const BodyShape& s = m_id.shape;
        const double torsoDepth = (at(JointId::Neck).z + m_f.pelvis.z) / 2.0 + 0.012;
        parts.push_back({torsoDepth, [this] { drawTorso(); }});
        parts.push_back({torsoDepth - 0.001, [this, &s] {
                             drawLimb({at(JointId::Neck) - m_f.headUp * 0.02,
                                       m_f.headCentre - m_f.headUp * (s.headHalfHeight * 0.3), s.neckRadius,
                                       s.neckRadius * 0.95, 0.0, 0.0, nullptr, 0.0});
                         }});
        // The head sits on top of the torso; limbs in front of the face still cover it.
        parts.push_back({std::max(m_f.headCentre.z + 0.03, torsoDepth + 0.005), [this] { drawHead(); }});
        if (m_id.hairStyle == HairStyle::Long) {
            const Vec3 start =
                m_f.headCentre - m_f.headForward * (s.headHalfDepth * 0.55) + m_f.headUp * (s.headHalfHeight * 0.2);
            const Vec3 end = start + Vec3{0.0, -(s.headHalfHeight + m_id.hairLength), 0.0};
            // The hair hangs down the back: behind the torso unless the person faces away, then over torso and head.
            const double headDepth = std::max(m_f.headCentre.z + 0.03, torsoDepth + 0.005);
            const double hairDepth =
                m_f.headForward.z > -0.3 ? torsoDepth - 0.03 : std::max(torsoDepth, headDepth) + 0.01;
            parts.push_back({hairDepth, [this, start, end, &s] {
                                 drawLimb({start, end, s.headHalfWidth * m_id.hairVolume * 1.05, s.headHalfWidth * 0.95,
                                           0.0, 0.0, nullptr, 0.0},
                                          /*hair=*/true);
                             }});
        }
        struct Arm {
            JointId shoulder, elbow, wrist;
            Vec3 tip;
        };
        for (const Arm& arm : {Arm{JointId::RightShoulder, JointId::RightElbow, JointId::RightWrist, m_f.rightHandTip},
                               Arm{JointId::LeftShoulder, JointId::LeftElbow, JointId::LeftWrist, m_f.leftHandTip}}) {
            const Vec3 shoulder = at(arm.shoulder), elbow = at(arm.elbow), wrist = at(arm.wrist), tip = arm.tip;
            const double yaw = m_f.shoulderYaw;
            parts.push_back(
                {(shoulder.z + elbow.z) / 2.0, [=, &s] {
                     drawLimb({shoulder, elbow, s.upperArmRadius, s.elbowRadius, yaw, m_id.sleeve, &m_id.top, 0.004});
                 }});
            parts.push_back(
                {(elbow.z + wrist.z) / 2.0, [=, &s] {
                     drawLimb({elbow, wrist, s.elbowRadius, s.wristRadius, yaw, m_id.sleeve - 1.0, &m_id.top, 0.004});
                 }});
            parts.push_back(
                {(wrist.z + tip.z) / 2.0 + 0.002, [=, &s] {
                     drawLimb({wrist, tip, s.wristRadius * 1.1, s.wristRadius * 0.9, yaw, 0.0, nullptr, 0.0});
                 }});
        }
        struct Leg {
            JointId hip, knee, ankle;
            Vec3 toe;
        };
        double thighDepth = -std::numeric_limits<double>::max();
        for (const Leg& leg : {Leg{JointId::RightHip, JointId::RightKnee, JointId::RightAnkle, m_f.rightToe},
                               Leg{JointId::LeftHip, JointId::LeftKnee, JointId::LeftAnkle, m_f.leftToe}}) {
            const Vec3 hip = at(leg.hip), knee = at(leg.knee), ankle = at(leg.ankle), toe = leg.toe;
            const double yaw = m_f.hipYaw;
            thighDepth = std::max(thighDepth, (hip.z + knee.z) / 2.0);
            parts.push_back(
                {(hip.z + knee.z) / 2.0, [=, &s] {
                     drawLimb({hip, knee, s.thighRadius, s.kneeRadius, yaw, m_id.legCover, &m_legMaterial, 0.005});
                 }});
            parts.push_back({(knee.z + ankle.z) / 2.0, [=, &s] {
                                 drawLimb({knee, ankle, s.kneeRadius, s.ankleRadius, yaw, m_id.legCover - 1.0,
                                           &m_legMaterial, 0.005});
                             }});
            const Vec3 heel = ankle + Vec3{0.0, -0.025, 0.0};
            parts.push_back(
                {(ankle.z + toe.z) / 2.0 + 0.003, [=, &s] {
                     drawLimb({heel, toe, s.ankleRadius * 1.25, s.ankleRadius * 1.05, yaw, 5.0, &m_shoeMaterial, 0.0});
                 }});
        }
        if (m_id.skirt) parts.push_back({std::max(torsoDepth, thighDepth) + 0.005, [this] { drawSkirt(); }});

        std::stable_sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.depth < b.depth; });
        drawShadow();
        for (const Part& p : parts) p.draw();
        return {m_canvas.image.clamp(0.0, 1.0), m_canvas.personMask};
    }

private:
    struct LimbSpec {
        Vec3 a, b;
        double ra, rb;  // radii at a and b, units of body height
        double yaw;     // the body's facing angle: the texture rolls with it
        double cover;   // fraction of the segment covered by `cloth`, from a (>= 1: all of it)
        const Material* cloth;
        double looseness;  // cloth stands this far off the skin (units)
    };

    Vec3 at(JointId j) const { return m_f.at(j); }
    Vec2 px(Vec3 p) const {
        const Point2 q = m_cam.project(p);
        return {q.x, q.y};
    }

    // A thin darker rim inside the silhouette, as in stylised drawings; `weight` (optional, [h, w]) fades it.
    torch::Tensor outline(const torch::Tensor& colour, const torch::Tensor& sdf,
                          const torch::Tensor& weight = torch::Tensor()) const {
        auto rim = (1.0 + sdf / 1.3).clamp(0.0, 1.0);
        if (weight.defined()) rim = rim * weight;
        return colour * (1.0 - 0.28 * rim).unsqueeze(0);
    }

    void drawLimb(const LimbSpec& l, bool hair = false) {
        const Vec2 a = px(l.a), b = px(l.b);
        const double len = length(b - a);
        const Vec2 dir = unit(b - a);
        const double ra = l.ra * m_s, rb = l.rb * m_s;
        const double loose = l.looseness * m_s;
        const double reach = std::max(ra, rb) + loose;
        const Window w = m_canvas.window(std::min(a.x, b.x) - reach, std::min(a.y, b.y) - reach,
                                         std::max(a.x, b.x) + reach, std::max(a.y, b.y) + reach);
        if (w.empty()) return;
        const LocalCoords p = toLocal(w, a, dir);
        const double nominal = std::sqrt(dot(l.b - l.a, l.b - l.a)) * m_s;
        // Cloth covers along < cover * len (the far end cap too when cover >= 1).
        torch::Tensor covered;
        if (l.cloth && l.cover > 0.0)
            covered = l.cover >= 1.0 ? torch::ones_like(p.along) : (0.5 + (l.cover * len - p.along)).clamp(0.0, 1.0);
        auto sdf = sdTaperedCapsule(p, ra, rb, len);
        if (covered.defined() && loose > 0.0) sdf = sdf - covered * loose;
        const auto t = (p.along / std::max(len, 1.0)).clamp(0.0, 1.0);
        const auto radius = (ra + (rb - ra) * t) + (covered.defined() ? covered * loose : torch::zeros_like(t));
        const auto q = (p.across / radius).clamp(-0.98, 0.98);
        const double meanRadius = (ra + rb) / 2.0;
        const auto u = meanRadius * (torch::asin(q) - l.yaw);
        const auto v = p.along * std::clamp(nominal / std::max(len, 1e-3), 1.0, 3.0);

        torch::Tensor colour;
        if (hair) {
            colour = toTensor(m_id.hair, m_canvas.device()) * (1.0 + 0.12 * torch::sin(u * 1.9)).unsqueeze(0);
        } else {
            colour = toTensor(m_id.skin, m_canvas.device()).expand({3, w.y1 - w.y0, w.x1 - w.x0});
            if (covered.defined()) {
                const auto cloth = shadeMaterial(*l.cloth, u, v, m_s);
                colour = colour + (cloth - colour) * covered.unsqueeze(0);
            }
        }
        const Vec2 n = perpendicular(dir);
        const auto nz = torch::sqrt(1.0 - q.square());
        // No rim round the rounded ends: where limbs meet at a joint they read as one continuous limb.
        const auto sides = (0.5 + p.along / 2.0).clamp(0.0, 1.0) * (0.5 + (len - p.along) / 2.0).clamp(0.0, 1.0);
        const auto shaded = outline(lit(colour, q * n.x, q * n.y, nz, m_light), sdf, sides);
        m_canvas.paint(w, shaded, coverage(sdf), true);
    }

    // Half-width of the torso's silhouette for an elliptical cross-section turned by `yaw`.
    double silhouetteHalfWidth(double halfWidth, double halfDepth, double yaw) const {
        return m_s * std::sqrt(std::pow(halfWidth * std::cos(yaw), 2) + std::pow(halfDepth * std::sin(yaw), 2));
    }

    struct TorsoFrame {
        Vec2 top, axis, across;
        double length, shoulder, waist, hip, band;  // pixels; band: where the shirt ends
    };
    TorsoFrame torsoFrame() const {
        const BodyShape& s = m_id.shape;
        TorsoFrame t;
        t.top = px(at(JointId::Neck));
        const Vec2 bottom = px(m_f.pelvis);
        t.axis = unit(bottom - t.top);
        t.across = perpendicular(t.axis);
        t.length = std::max(length(bottom - t.top), 0.1 * s.neckToPelvis * m_s);
        t.shoulder =
            silhouetteHalfWidth(s.shoulderHalfWidth, s.chestHalfDepth, m_f.shoulderYaw) + 0.3 * s.upperArmRadius * m_s;
        t.waist = silhouetteHalfWidth(s.waistHalfWidth, s.chestHalfDepth * 0.85, (m_f.shoulderYaw + m_f.hipYaw) / 2.0);
        t.hip = silhouetteHalfWidth(s.pelvisHalfWidth, s.chestHalfDepth * 0.95, m_f.hipYaw);
        t.band = t.length * 0.84;
        return t;
    }
    Vec2 torsoPoint(const TorsoFrame& t, double across, double along) const {
        return t.top + t.across * across + t.axis * along;
    }
    // Half-width of the torso at `along` (pixels from the shoulder line), piecewise linear.
    torch::Tensor torsoHalfWidthAt(const TorsoFrame& t, const torch::Tensor& along) const {
        const double waistAt = 0.62 * t.length;
        const auto upper = t.shoulder + (t.waist - t.shoulder) * (along / waistAt).clamp(0.0, 1.0);
        const auto lower = t.waist + (t.hip - t.waist) * ((along - waistAt) / (t.length - waistAt)).clamp(0.0, 1.0);
        return torch::where(along < waistAt, upper, lower).clamp_min(2.0);
    }

    void drawTorso() {
        const TorsoFrame t = torsoFrame();
        const double S = m_s;
        // Half an outline (across, along) from the neck to the crotch, mirrored for the other side.
        const std::vector<std::pair<double, double>> half{{0.3 * t.shoulder, -0.035 * S},
                                                          {0.8 * t.shoulder, -0.022 * S},
                                                          {t.shoulder, 0.0},
                                                          {t.shoulder * 0.98, 0.05 * S},
                                                          {t.shoulder * 0.93, 0.1 * S},
                                                          {t.waist, 0.62 * t.length},
                                                          {t.hip, t.length},
                                                          {t.hip * 0.8, t.length + 0.045 * S}};
        std::vector<Vec2> outlinePoints;
        for (const auto& [c, a] : half) outlinePoints.push_back(torsoPoint(t, c, a));
        outlinePoints.push_back(torsoPoint(t, 0.0, t.length + 0.05 * S));
        for (auto it = half.rbegin(); it != half.rend(); ++it)
            outlinePoints.push_back(torsoPoint(t, -it->first, it->second));
        double left = 1e9, top = 1e9, right = -1e9, bottom = -1e9;
        for (const Vec2& q : outlinePoints) {
            left = std::min(left, q.x);
            right = std::max(right, q.x);
            top = std::min(top, q.y);
            bottom = std::max(bottom, q.y);
        }
        const Window w = m_canvas.window(left, top, right, bottom);
        if (w.empty()) return;
        const auto sdf = sdPolygon(w, outlinePoints);
        const LocalCoords p = toLocal(w, t.top, t.axis);
        const auto halfWidth = torsoHalfWidthAt(t, p.along);
        const auto q = (p.across / halfWidth).clamp(-0.98, 0.98);
        const double radius = m_id.shape.shoulderHalfWidth * S;
        const auto theta = torch::asin(q);
        const auto uTop = radius * (theta - m_f.shoulderYaw), uBottom = radius * (theta - m_f.hipYaw);

        auto colour = shadeMaterial(m_id.top, uTop, p.along, S);
        if (m_id.logo) {
            const Logo& logo = *m_id.logo;
            const auto [alpha, logoColour] = shadeLogo(logo, uTop, p.along - logo.height * t.length, logo.size * S);
            colour = colour + (logoColour - colour) * alpha.unsqueeze(0);
        }
        // Neckline: skin in a crew or scoop opening at the front.
        const double front = std::max(0.0, std::cos(m_f.shoulderYaw));
        const auto neckline =
            coverage(sdEllipse({uTop, p.along + 0.035 * S}, 0.32 * t.shoulder, 0.05 * S * (0.4 + front)));
        colour = colour + (toTensor(m_id.skin, m_canvas.device()) - colour) * (neckline * front).unsqueeze(0);
        const auto below = (0.5 + (p.along - t.band)).clamp(0.0, 1.0);
        const auto bottomColour = shadeMaterial(m_id.bottom, uBottom, p.along, S);
        colour = colour + (bottomColour - colour) * below.unsqueeze(0);
        const auto nz = torch::sqrt(1.0 - q.square());
        const auto shaded = outline(lit(colour, q * t.across.x, q * t.across.y, nz, m_light), sdf);
        m_canvas.paint(w, shaded, coverage(sdf), true);
    }

    void drawSkirt() {
        const TorsoFrame t = torsoFrame();
        const double S = m_s;
        // The hem spans the knees.
        double kneeSpan = t.hip;
        for (JointId knee : {JointId::RightKnee, JointId::LeftKnee}) {
            const Vec2 k = px(at(knee)) - t.top;
            kneeSpan = std::max(kneeSpan, std::abs(k.x * t.across.x + k.y * t.across.y) + m_id.shape.kneeRadius * S);
        }
        const double hemHalf = std::min(kneeSpan, t.hip * 1.6) + m_id.skirtFlare * S;
        const double top = t.band - 0.01 * S, bottom = t.band + m_id.skirtLength * S;
        const double waistHalf =
            t.waist + (t.hip - t.waist) * (t.band - 0.62 * t.length) / (0.38 * t.length) + 0.004 * S;
        std::vector<Vec2> pts{torsoPoint(t, -waistHalf, top),
                              torsoPoint(t, waistHalf, top),
                              torsoPoint(t, hemHalf, bottom),
                              torsoPoint(t, hemHalf * 0.5, bottom + 0.01 * S),
                              torsoPoint(t, -hemHalf * 0.5, bottom + 0.01 * S),
                              torsoPoint(t, -hemHalf, bottom)};
        double left = 1e9, up = 1e9, right = -1e9, down = -1e9;
        for (const Vec2& q : pts) {
            left = std::min(left, q.x);
            right = std::max(right, q.x);
            up = std::min(up, q.y);
            down = std::max(down, q.y);
        }
        const Window w = m_canvas.window(left, up, right, down);
        if (w.empty()) return;
        const auto sdf = sdPolygon(w, pts);
        const LocalCoords p = toLocal(w, t.top, t.axis);
        const auto span = waistHalf + (hemHalf - waistHalf) * ((p.along - top) / (bottom - top)).clamp(0.0, 1.0);
        const auto q = (p.across / span).clamp(-0.98, 0.98);
        const auto u = m_id.shape.pelvisHalfWidth * S * (torch::asin(q) - m_f.hipYaw);
        const auto colour = shadeMaterial(m_id.bottom, u, p.along, S);
        const auto nz = torch::sqrt(1.0 - q.square() * 0.7);
        const auto shaded = outline(lit(colour, q * 0.55 * t.across.x, q * 0.55 * t.across.y, nz, m_light), sdf);
        m_canvas.paint(w, shaded, coverage(sdf), true);
    }

    void drawHead() {
        const BodyShape& s = m_id.shape;
        const Ellipsoid head{m_f.headCentre,
                             {m_f.headLateral, m_f.headUp, m_f.headForward},
                             {s.headHalfWidth, s.headHalfHeight, s.headHalfDepth}};
        std::vector<Ellipsoid> extras;
        if (m_id.hairStyle != HairStyle::Bald) {
            const double v = m_id.hairVolume;
            extras.push_back(
                {m_f.headCentre + m_f.headUp * (s.headHalfHeight * 0.12) - m_f.headForward * (s.headHalfDepth * 0.14),
                 head.axes,
                 // Never deeper than the head towards the face: the hair must not cover it.
                 {s.headHalfWidth * v, s.headHalfHeight * (0.97 + 0.5 * (v - 1.0)),
                  s.headHalfDepth * std::min(v, 1.08)}});
        }
        if (m_id.hairStyle == HairStyle::Bun)
            extras.push_back(
                {m_f.headCentre + m_f.headUp * (s.headHalfHeight * 0.9) - m_f.headForward * (s.headHalfDepth * 0.6),
                 head.axes,
                 {s.headHalfWidth * 0.45, s.headHalfWidth * 0.45, s.headHalfWidth * 0.45}});
        const std::size_t hairCount = extras.size();
        for (double side : {-1.0, 1.0})
            extras.push_back({m_f.headCentre + m_f.headLateral * (side * s.headHalfWidth * 0.97) -
                                  m_f.headForward * (s.headHalfDepth * 0.1),
                              head.axes,
                              {s.headHalfWidth * 0.16, s.headHalfHeight * 0.3, s.headHalfDepth * 0.25}});
        // The nose stands out of the head in profile.
        extras.push_back(
            {at(JointId::Nose) - m_f.headForward * (s.headHalfDepth * 0.12) + m_f.headUp * (s.headHalfHeight * 0.08),
             head.axes,
             {s.headHalfWidth * 0.15, s.headHalfHeight * 0.2, s.headHalfDepth * 0.22}});

        const double reach = std::max({s.headHalfWidth, s.headHalfHeight, s.headHalfDepth}) * 1.6 * m_s;
        const Vec2 c = px(m_f.headCentre);
        const Window w = m_canvas.window(c.x - reach, c.y - reach, c.x + reach, c.y + reach);
        if (w.empty()) return;
        const auto device = m_canvas.device();

        // The head: skin, hair above the hairline, and a simple face.
        const EllipsoidHit h = castEllipsoid(head, w, m_cam);
        auto colour = toTensor(m_id.skin, device).expand({3, w.y1 - w.y0, w.x1 - w.x0});
        const auto facing = smoothstep(0.05, 0.3, h.lz);
        auto decal = [&](const torch::Tensor& mask, Colour col) {
            colour = colour + (toTensor(col, device) - colour) * mask.unsqueeze(0);
        };
        decal(spot(h.lx, h.ly, 0.0, -0.2, 0.12, 0.07) * facing * 0.5, scaled(m_id.skin, 0.75));  // nostrils
        decal(spot(h.lx, h.ly, 0.0, -0.5, 0.27, 0.07) * facing, m_id.lips);
        for (double side : {-1.0, 1.0}) {
            decal(spot(h.lx, h.ly, side * 0.4, 0.1, 0.15, 0.09) * facing, {0.95, 0.95, 0.93});
            decal(spot(h.lx, h.ly, side * 0.4, 0.09, 0.085, 0.085) * facing, m_id.eyes);
            decal(spot(h.lx, h.ly, side * 0.42, 0.3, 0.2, 0.045) * facing, scaled(m_id.hair, 0.9));
        }
        if (m_id.hairStyle != HairStyle::Bald) {
            const auto back = (0.2 - h.lz).clamp(0.0, 1.2);
            const auto hairline = m_id.hairline + 0.05 * torch::sin(h.lx * 14.0 + m_id.hairPhase) - 1.4 * back -
                                  0.2 * smoothstep(0.7, 0.95, h.lx.abs());
            const auto cap = smoothstep(-0.03, 0.03, h.ly - hairline).unsqueeze(0);
            colour = colour + (toTensor(m_id.hair, device) * hairStrands(h) - colour) * cap;
        }
        auto headColour = lit(colour, h.nx, h.ny, h.nz, m_light);
        auto cov = coverage(h.sdf);
        auto premultiplied = headColour * cov.unsqueeze(0);
        auto alpha = cov;
        auto depth = torch::where(cov > 0.5, h.z, torch::full_like(h.z, -1e3));
        auto unionSdf = h.sdf;

        for (std::size_t i = 0; i < extras.size(); ++i) {
            const EllipsoidHit e = castEllipsoid(extras[i], w, m_cam);
            torch::Tensor base;
            if (i < hairCount) {
                base = toTensor(m_id.hair, device) * hairStrands(e);
            } else {
                base = toTensor(scaled(m_id.skin, 0.95), device).expand({3, w.y1 - w.y0, w.x1 - w.x0});
            }
            const auto c2 = lit(base, e.nx, e.ny, e.nz, m_light);
            const auto k = coverage(e.sdf);
            const auto inFront = (e.z > depth).unsqueeze(0);
            const auto k3 = k.unsqueeze(0), a3 = alpha.unsqueeze(0);
            premultiplied =
                torch::where(inFront, c2 * k3 + premultiplied * (1.0 - k3), premultiplied + c2 * k3 * (1.0 - a3));
            alpha = alpha + (1.0 - alpha) * k;
            depth = torch::where((e.z > depth).logical_and(k > 0.5), e.z, depth);
            unionSdf = torch::minimum(unionSdf, e.sdf);
        }
        const auto finalColour = premultiplied / alpha.clamp_min(1e-4).unsqueeze(0);
        m_canvas.paint(w, outline(finalColour, unionSdf), alpha, true);
    }

    // Strands combed down from the crown: stripes along the meridians of a hair ellipsoid. [1, h, w]
    static torch::Tensor hairStrands(const EllipsoidHit& e) {
        const auto azimuth = torch::atan2(e.lx, e.lz);
        return (1.0 + 0.06 * torch::sin(azimuth * 31.0) + 0.05 * torch::sin(azimuth * 17.0 + e.ly * 4.0)).unsqueeze(0);
    }

    void drawShadow() {
        const Vec2 r = px(at(JointId::RightAnkle)), l = px(at(JointId::LeftAnkle));
        const double groundY = m_cam.groundY - 0.01 * m_s;
        const double centreX = (r.x + l.x) / 2.0;
        const double rx = 0.14 * m_s + std::abs(r.x - l.x) / 2.0, ry = 0.022 * m_s;
        const Window w =
            m_canvas.window(centreX - rx * 1.5, groundY - ry * 2.5, centreX + rx * 1.5, groundY + ry * 2.5);
        if (w.empty()) return;
        const auto sdf = sdEllipse(toLocal(w, {centreX, groundY}, {0.0, 1.0}), rx, ry);
        const auto alpha = (0.5 - sdf / (0.05 * m_s)).clamp(0.0, 1.0) * 0.35;
        m_canvas.paint(w, torch::zeros({3, 1, 1}, m_canvas.image.options()), alpha, false);
    }

    const Identity& m_id;
    const Figure3d& m_f;
    const Camera& m_cam;
    const Lighting& m_light;
    Canvas m_canvas;
    double m_s;
    Material m_legMaterial;
    Material m_shoeMaterial;
};

}  // namespace

RenderedFigure renderFigure(const Identity& identity, const Figure3d& figure, const Camera& camera,
                            const Lighting& light, const torch::Tensor& background) {
    FigurePainter painter(identity, figure, camera, light, background);
    return painter.paint();
}

}  // namespace marionette::synth::detail
