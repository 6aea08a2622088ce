#include "marionette/synth/portrait_pair_generator.h"

#include "marionette/face/layout.h"
#include "marionette/synth/limb_warp.h"
#include "marionette/synth/random.h"
#include "marionette/synth/thin_plate_spline.h"
#include "marionette/util/error.h"
#include "marionette/util/geometry.h"
#include "materials.h"
#include "raster.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>

namespace marionette::synth {

using namespace detail;
using face::FacePart;
using face::partInfo;

namespace {

// Landmark indices by part: the n-th point of a part of the iBUG layout.
int point(FacePart part, int n) { return partInfo(part).first + n; }
int partSize(FacePart part) { return partInfo(part).last - partInfo(part).first + 1; }

Vec2 at(const face::FaceLandmarks& f, int i) {
    const Point2& p = f.points[static_cast<std::size_t>(i)];
    return {p.x, p.y};
}
Vec2 partMean(const face::FaceLandmarks& f, FacePart part) {
    Vec2 sum;
    for (int i = partInfo(part).first; i <= partInfo(part).last; ++i) sum = sum + at(f, i);
    return sum * (1.0 / partSize(part));
}
std::vector<Vec2> partPoints(const face::FaceLandmarks& f, FacePart part) {
    std::vector<Vec2> out;
    for (int i = partInfo(part).first; i <= partInfo(part).last; ++i) out.push_back(at(f, i));
    return out;
}

void validateConfig(const PortraitGeneratorConfig& c) {
    if (c.height < 32 || c.width < 32 || c.height > 4096 || c.width > 4096)
        throw Error("portrait generator: canvas " + std::to_string(c.height) + "x" + std::to_string(c.width) +
                    " is outside 32..4096 pixels per side");
    if (!(c.expressionProbability >= 0.0 && c.expressionProbability <= 1.0))
        throw Error("portrait generator: expressionProbability must lie in [0, 1]");
    if (c.borderAnchorsPerSide < 0 || c.borderAnchorsPerSide > 64)
        throw Error("portrait generator: borderAnchorsPerSide must lie in 0..64");
    if (!(c.mergeDistance >= 0.0)) throw Error("portrait generator: mergeDistance must be >= 0");
    if (c.threads < 0) throw Error("portrait generator: threads must be >= 0");
}

// The face's own frame: origin at the landmarks' mean, x along the eye line, unit = half the jaw width.
struct FaceFrame {
    Vec2 origin, x, y;  // y = perpendicular(x): downwards for an upright face
    double unit = 1.0;
    Vec2 toLocal(Vec2 p) const {
        const Vec2 d = p - origin;
        return {(d.x * x.x + d.y * x.y) / unit, (d.x * y.x + d.y * y.y) / unit};
    }
    Vec2 toImage(Vec2 l) const { return origin + x * (l.x * unit) + y * (l.y * unit); }
};

FaceFrame faceFrame(const face::FaceLandmarks& f) {
    FaceFrame frame;
    Vec2 sum;
    for (int i = 0; i < face::kLandmarkCount; ++i) sum = sum + at(f, i);
    frame.origin = sum * (1.0 / face::kLandmarkCount);
    const Vec2 rightEye = partMean(f, FacePart::RightEye), leftEye = partMean(f, FacePart::LeftEye);
    frame.x = unit(leftEye - rightEye, {1.0, 0.0});
    frame.y = perpendicular(frame.x);
    const double jaw = length(at(f, partInfo(FacePart::Jaw).last) - at(f, partInfo(FacePart::Jaw).first)) / 2.0;
    frame.unit = std::max({jaw, length(leftEye - rightEye), 1e-3});
    return frame;
}

// Depth of a landmark in the face frame: a rounded face, the nose standing out (used to turn the head).
double landmarkDepth(int i, Vec2 local) {
    double z =
        0.9 * std::sqrt(std::max(0.0, 1.0 - 0.75 * local.x * local.x - 0.25 * (local.y - 0.1) * (local.y - 0.1)));
    const FacePart part = face::partOf(i);
    if (part == FacePart::NoseBridge) z += 0.15 + 0.1 * (i - partInfo(part).first);
    if (part == FacePart::LowerNose) z += 0.35 - 0.1 * std::abs(i - point(FacePart::LowerNose, 2));
    if (part == FacePart::OuterLips || part == FacePart::InnerLips) z += 0.08;
    return z;
}

struct Expression {
    double jawOpen = 0.0, smile = 0.0, rightBrow = 0.0, leftBrow = 0.0, rightEyeClose = 0.0, leftEyeClose = 0.0;
};
struct HeadMotion {
    double yaw = 0.0, pitch = 0.0, roll = 0.0, scale = 1.0, shiftX = 0.0, shiftY = 0.0;
};

// Expression moves, then the head motion, in the face frame of the input landmarks.
face::FaceLandmarks moveLandmarks(const face::FaceLandmarks& f, const Expression& e, const HeadMotion& m) {
    const FaceFrame frame = faceFrame(f);
    std::array<Vec2, face::kLandmarkCount> l;
    for (int i = 0; i < face::kLandmarkCount; ++i) l[static_cast<std::size_t>(i)] = frame.toLocal(at(f, i));
    auto move = [&](int i, double dx, double dy) {
        l[static_cast<std::size_t>(i)] = l[static_cast<std::size_t>(i)] + Vec2{dx, dy};
    };
    // Jaw open: the chin and lower lip drop, the jaw's sides less than its middle.
    const int jawFirst = partInfo(FacePart::Jaw).first, jawCount = partSize(FacePart::Jaw);
    for (int k = 0; k < jawCount; ++k)
        move(jawFirst + k, 0.0, e.jawOpen * std::pow(std::sin(kPi * k / (jawCount - 1)), 2.0));
    const int outer = partInfo(FacePart::OuterLips).first, inner = partInfo(FacePart::InnerLips).first;
    for (int k = 7; k <= 11; ++k) move(outer + k, 0.0, e.jawOpen * 0.85);  // outer lower lip
    for (int k = 5; k <= 7; ++k) move(inner + k, 0.0, e.jawOpen * 0.85);   // inner lower lip
    for (int i : {outer, outer + 6, inner, inner + 4}) move(i, 0.0, e.jawOpen * 0.35);
    // Smile: the corners move up and out, their neighbours half as much.
    for (const auto& [i, side, weight] : std::vector<std::tuple<int, double, double>>{{outer, -1.0, 1.0},
                                                                                      {outer + 6, 1.0, 1.0},
                                                                                      {inner, -1.0, 1.0},
                                                                                      {inner + 4, 1.0, 1.0},
                                                                                      {outer + 1, -1.0, 0.5},
                                                                                      {outer + 11, -1.0, 0.5},
                                                                                      {outer + 5, 1.0, 0.5},
                                                                                      {outer + 7, 1.0, 0.5}})
        move(i, side * e.smile * 0.4 * weight, -e.smile * weight);
    for (int i = partInfo(FacePart::RightBrow).first; i <= partInfo(FacePart::RightBrow).last; ++i)
        move(i, 0.0, -e.rightBrow);
    for (int i = partInfo(FacePart::LeftBrow).first; i <= partInfo(FacePart::LeftBrow).last; ++i)
        move(i, 0.0, -e.leftBrow);
    // Eyes close: the upper lid (points 1, 2 of the eye) moves onto the lower lid (points 5, 4).
    for (const auto& [part, amount] :
         {std::pair{FacePart::RightEye, e.rightEyeClose}, std::pair{FacePart::LeftEye, e.leftEyeClose}}) {
        const int first = partInfo(part).first;
        for (const auto& [upper, lower] : {std::pair{1, 5}, std::pair{2, 4}}) {
            Vec2& u = l[static_cast<std::size_t>(first + upper)];
            const Vec2& d = l[static_cast<std::size_t>(first + lower)];
            u = lerp(u, d, amount);
        }
    }
    // Head rotation about a pivot behind the face, seen orthographically; the landmarks' mean stays in place
    // (the face turns rather than slides). Then roll, scale and shift.
    const double pivot = -0.6;
    std::array<Vec2, face::kLandmarkCount> turned;
    Vec2 before, after;
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const Vec2 p = l[static_cast<std::size_t>(i)];
        const double z = landmarkDepth(i, p) - pivot;
        const double x1 = p.x * std::cos(m.yaw) + z * std::sin(m.yaw);
        const double z1 = -p.x * std::sin(m.yaw) + z * std::cos(m.yaw);
        const double y1 = p.y * std::cos(m.pitch) - z1 * std::sin(m.pitch);
        turned[static_cast<std::size_t>(i)] = {x1, y1};
        before = before + p * (1.0 / face::kLandmarkCount);
        after = after + turned[static_cast<std::size_t>(i)] * (1.0 / face::kLandmarkCount);
    }
    face::FaceLandmarks out;
    const double cr = std::cos(m.roll), sr = std::sin(m.roll);
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const Vec2 p = turned[static_cast<std::size_t>(i)] - after + before;
        const Vec2 r = Vec2{cr * p.x - sr * p.y, sr * p.x + cr * p.y} * m.scale + Vec2{m.shiftX, m.shiftY};
        const Vec2 q = frame.toImage(r);
        out.points[static_cast<std::size_t>(i)] = {static_cast<float>(q.x), static_cast<float>(q.y)};
    }
    return out;
}

// ---- the drawn face -----------------------------------------------------------------------------

struct PortraitIdentity {
    // Neutral landmark shape in the face frame (unit = half the jaw width, y down).
    double jawSquareness, chinDepth, eyeSpacing, eyeWidth, eyeOpen, browHeight, browArch, noseLength, noseWidth,
        mouthWidth, mouthHeight, upperLip, lowerLip;
    // Placement.
    double unitPixels, centreX, centreY;
    HeadMotion pose;
    // Looks.
    Colour skin, hair, lips, iris, brow;
    Material clothes;
    Background background;
    Lighting light;
    enum class Hair { Short, Long, Bun, Bald } hairStyle;
    double hairline, hairVolume, fringeWave, foreheadHeight;
    bool beard;
};

PortraitIdentity samplePortraitIdentity(std::uint64_t seed, int height, int width) {
    Rng rng(mix64(seed ^ 0xFACEFACEull));
    PortraitIdentity id;
    id.jawSquareness = rng.uniform(0.55, 0.9);
    id.chinDepth = rng.uniform(0.95, 1.15);
    id.eyeSpacing = rng.uniform(0.38, 0.46);
    id.eyeWidth = rng.uniform(0.15, 0.19);
    id.eyeOpen = rng.uniform(0.055, 0.085);
    id.browHeight = rng.uniform(0.5, 0.6);
    id.browArch = rng.uniform(0.04, 0.1);
    id.noseLength = rng.uniform(0.42, 0.55);
    id.noseWidth = rng.uniform(0.17, 0.24);
    id.mouthWidth = rng.uniform(0.28, 0.38);
    id.mouthHeight = rng.uniform(0.5, 0.6);
    id.upperLip = rng.uniform(0.05, 0.09);
    id.lowerLip = rng.uniform(0.07, 0.12);
    id.unitPixels = rng.uniform(0.24, 0.28) * std::min(height, width);
    id.centreX = width / 2.0 + rng.uniform(-0.04, 0.04) * width;
    id.centreY = height / 2.0 + rng.uniform(-0.03, 0.05) * height;
    id.pose = {radians(rng.uniform(-12.0, 12.0)),
               radians(rng.uniform(-5.0, 5.0)),
               radians(rng.uniform(-5.0, 5.0)),
               1.0,
               0.0,
               0.0};
    id.skin = sampleSkinTone(rng);
    id.hair = sampleHairColour(rng);
    id.lips = mix(id.skin, fromHsv(rng.uniform(0.95, 1.02), rng.uniform(0.4, 0.75), rng.uniform(0.45, 0.75)),
                  rng.uniform(0.35, 0.8));
    id.iris = fromHsv(rng.uniform(0.05, 0.6), rng.uniform(0.3, 0.7), rng.uniform(0.15, 0.45));
    id.brow = scaled(id.hair, 0.8);
    id.clothes = sampleMaterial(rng, Garment::Top);
    id.background = sampleBackground(rng, 0.4);
    id.background.horizon = 1.5;  // no floor behind a portrait
    id.light = sampleLighting(rng);
    id.hairStyle = static_cast<PortraitIdentity::Hair>(rng.weighted({0.45, 0.35, 0.1, 0.1}));
    id.hairline = rng.uniform(0.72, 0.9);
    id.hairVolume = rng.uniform(1.05, 1.25);
    id.fringeWave = rng.uniform(0.0, 2.0 * kPi);
    id.foreheadHeight = rng.uniform(0.55, 0.75);
    id.beard = rng.chance(0.12);
    return id;
}

// The identity's neutral landmarks, placed and turned by its pose.
face::FaceLandmarks neutralLandmarks(const PortraitIdentity& id) {
    std::array<Vec2, face::kLandmarkCount> l{};
    auto set = [&](int i, double x, double y) { l[static_cast<std::size_t>(i)] = {x, y}; };
    const double eyeY = -0.32;
    // Jaw: from the right ear (image left) round the chin to the left ear.
    const int jawFirst = partInfo(FacePart::Jaw).first, jawCount = partSize(FacePart::Jaw);
    for (int k = 0; k < jawCount; ++k) {
        const double a = kPi * k / (jawCount - 1);
        const double c = std::cos(a);
        const double x = -(c < 0 ? -1.0 : 1.0) * std::pow(std::abs(c), id.jawSquareness);
        set(jawFirst + k, x, eyeY + 0.05 + (id.chinDepth - eyeY - 0.05) * std::pow(std::sin(a), 1.3));
    }
    // Brows: arcs above the eyes, outer end first on the right, inner end first on the left.
    for (int side : {-1, 1}) {
        const FacePart part = side < 0 ? FacePart::RightBrow : FacePart::LeftBrow;
        const int n = partSize(part);
        for (int k = 0; k < n; ++k) {
            const double t = static_cast<double>(k) / (n - 1);
            const double fromOuter = side < 0 ? t : 1.0 - t;  // 0 at the outer end
            const double x = side * (0.88 - 0.72 * fromOuter);
            set(point(part, k), x, eyeY - id.browHeight + 0.35 - id.browArch * std::sin(kPi * (0.2 + 0.7 * fromOuter)));
        }
    }
    // Nose bridge down the middle, lower nose across its base.
    const int bridge = partSize(FacePart::NoseBridge);
    for (int k = 0; k < bridge; ++k)
        set(point(FacePart::NoseBridge, k), 0.0, eyeY + 0.02 + id.noseLength * k / (bridge - 1));
    const double noseBase = eyeY + 0.02 + id.noseLength + 0.1;
    const int lower = partSize(FacePart::LowerNose);
    for (int k = 0; k < lower; ++k) {
        const double t = 2.0 * k / (lower - 1) - 1.0;
        set(point(FacePart::LowerNose, k), t * id.noseWidth, noseBase - 0.06 + 0.06 * (1.0 - t * t));
    }
    // Eyes: corners and two points on each lid, clockwise from the outer corner of the right eye and the
    // inner corner of the left eye (the iBUG order).
    for (int side : {-1, 1}) {
        const FacePart part = side < 0 ? FacePart::RightEye : FacePart::LeftEye;
        const double cx = side * id.eyeSpacing, w = id.eyeWidth, h = id.eyeOpen;
        const std::array<std::pair<double, double>, 6> shape{
            {{-w, 0.0}, {-w / 3, -h}, {w / 3, -h}, {w, 0.0}, {w / 3, h * 0.8}, {-w / 3, h * 0.8}}};
        for (int k = 0; k < 6; ++k)
            set(point(part, k), cx + shape[static_cast<std::size_t>(k)].first,
                eyeY + shape[static_cast<std::size_t>(k)].second);
    }
    // Lips.
    const double my = id.mouthHeight, mw = id.mouthWidth, ul = id.upperLip, ll = id.lowerLip;
    const std::array<std::pair<double, double>, 12> outerShape{{{-mw, 0.0},
                                                                {-mw * 0.6, -ul * 0.8},
                                                                {-mw * 0.22, -ul},
                                                                {0.0, -ul * 0.8},
                                                                {mw * 0.22, -ul},
                                                                {mw * 0.6, -ul * 0.8},
                                                                {mw, 0.0},
                                                                {mw * 0.6, ll * 0.85},
                                                                {mw * 0.25, ll},
                                                                {0.0, ll},
                                                                {-mw * 0.25, ll},
                                                                {-mw * 0.6, ll * 0.85}}};
    for (int k = 0; k < 12; ++k)
        set(point(FacePart::OuterLips, k), outerShape[static_cast<std::size_t>(k)].first,
            my + outerShape[static_cast<std::size_t>(k)].second);
    const std::array<std::pair<double, double>, 8> innerShape{{{-mw * 0.82, 0.0},
                                                               {-mw * 0.3, -0.004},
                                                               {0.0, -0.004},
                                                               {mw * 0.3, -0.004},
                                                               {mw * 0.82, 0.0},
                                                               {mw * 0.3, 0.004},
                                                               {0.0, 0.004},
                                                               {-mw * 0.3, 0.004}}};
    for (int k = 0; k < 8; ++k)
        set(point(FacePart::InnerLips, k), innerShape[static_cast<std::size_t>(k)].first,
            my + innerShape[static_cast<std::size_t>(k)].second);

    face::FaceLandmarks flat;
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const Vec2& p = l[static_cast<std::size_t>(i)];
        flat.points[static_cast<std::size_t>(i)] = {static_cast<float>(id.centreX + p.x * id.unitPixels),
                                                    static_cast<float>(id.centreY + p.y * id.unitPixels)};
    }
    return moveLandmarks(flat, {}, id.pose);
}

class PortraitPainter {
public:
    PortraitPainter(const PortraitIdentity& id, const face::FaceLandmarks& f, int height, int width,
                    const torch::Device& device)
        : m_id(id),
          m_f(f),
          m_canvas(renderBackground(id.background, id.light, height, width, id.unitPixels * 3.0, device)) {
        m_frame = faceFrame(f);
        m_up = m_frame.y * -1.0;
        m_u = m_frame.unit;
        const Vec2 jawStart = at(f, partInfo(FacePart::Jaw).first), jawEnd = at(f, partInfo(FacePart::Jaw).last);
        m_top = (jawStart + jawEnd) * 0.5;
        m_halfWidth = length(jawEnd - jawStart) / 2.0;
        const Vec2 brows = (partMean(f, FacePart::RightBrow) + partMean(f, FacePart::LeftBrow)) * 0.5;
        m_foreheadHeight =
            std::max(0.3 * m_u, (brows - m_top).x * m_up.x + (brows - m_top).y * m_up.y + id.foreheadHeight * m_u);
        m_chin = at(f, point(FacePart::Jaw, partSize(FacePart::Jaw) / 2));
    }

    ProceduralPortrait paint() {
        if (m_id.hairStyle == PortraitIdentity::Hair::Long) drawBackHair(true);
        drawBody();
        if (m_id.hairStyle != PortraitIdentity::Hair::Bald) drawBackHair(false);
        drawEars();
        drawFace();
        ProceduralPortrait p;
        p.image = m_canvas.image.clamp(0.0, 1.0) * 2.0 - 1.0;
        p.mask = m_canvas.personMask;
        p.landmarks = m_f;
        return p;
    }

private:
    torch::Tensor colourOf(Colour c) const { return toTensor(c, m_canvas.device()); }

    std::vector<Vec2> faceOutline() const {
        std::vector<Vec2> pts = partPoints(m_f, FacePart::Jaw);
        // Forehead: half an ellipse from the left end of the jaw back over the top to its right end.
        const Vec2 across = m_frame.x;
        const int steps = 11;
        for (int k = 1; k < steps; ++k) {
            const double theta = kPi * static_cast<double>(k) / steps;
            pts.push_back(m_top + across * (m_halfWidth * std::cos(theta)) +
                          m_up * (m_foreheadHeight * std::sin(theta)));
        }
        return pts;
    }

    Window windowAround(const std::vector<Vec2>& pts, double pad) const {
        double l = 1e9, t = 1e9, r = -1e9, b = -1e9;
        for (const Vec2& p : pts) {
            l = std::min(l, p.x);
            t = std::min(t, p.y);
            r = std::max(r, p.x);
            b = std::max(b, p.y);
        }
        return m_canvas.window(l - pad, t - pad, r + pad, b + pad);
    }

    // Normal of a rounded shape centred at `centre` with radii (rx, ry) along the face axes.
    std::array<torch::Tensor, 3> domeNormal(const Window& w, Vec2 centre, double rx, double ry) const {
        const LocalCoords p = toLocal(w, centre, m_frame.y);
        const auto qx = (p.across / rx).clamp(-1.0, 1.0), qy = (p.along / ry).clamp(-1.0, 1.0);
        const auto nz = torch::sqrt((1.0 - qx.square() - qy.square()).clamp_min(0.02));
        const auto norm = torch::sqrt(qx.square() + qy.square() + nz.square());
        // across runs along perpendicular(frame.y) = -frame.x.
        const Vec2 a = perpendicular(m_frame.y);
        return {(qx * a.x + qy * m_frame.y.x) / norm, (qx * a.y + qy * m_frame.y.y) / norm, nz / norm};
    }

    void drawBody() {
        const double u = m_u;
        const int H = m_canvas.height();
        // Neck: from under the jaw straight down; shoulders: a wide rounded trapezoid in the clothes.
        const Vec2 neckTop = m_chin + Vec2{0.0, -0.6 * u};
        const Vec2 neckBottom{neckTop.x, neckTop.y + 1.4 * u};
        {
            const Window w =
                m_canvas.window(neckTop.x - 0.7 * u, neckTop.y - 0.7 * u, neckTop.x + 0.7 * u, neckBottom.y + 0.7 * u);
            if (!w.empty()) {
                const LocalCoords p = toLocal(w, neckTop, {0.0, 1.0});
                const auto sdf = sdTaperedCapsule(p, 0.5 * u, 0.58 * u, 1.4 * u);
                const auto q = (p.across / (0.55 * u)).clamp(-0.98, 0.98);
                auto colour = colourOf(scaled(m_id.skin, 0.9)).expand({3, w.y1 - w.y0, w.x1 - w.x0});
                colour = lit(colour, q * -1.0, torch::zeros_like(q), torch::sqrt(1.0 - q.square()), m_id.light);
                m_canvas.paint(w, colour, coverage(sdf), true);
            }
        }
        const double shoulderTop = m_chin.y + 0.55 * u;
        const double halfTop = 1.0 * u, halfBottom = 2.6 * u, bottom = std::max<double>(H + 2.0, shoulderTop + 2.0 * u);
        const Vec2 centre{m_chin.x, (shoulderTop + bottom) / 2.0};
        const Window w = m_canvas.window(centre.x - halfBottom - 2, shoulderTop - 2, centre.x + halfBottom + 2, bottom);
        if (w.empty()) return;
        const LocalCoords p = toLocal(w, centre, {0.0, -1.0});  // along points up: top at +halfHeight
        const double halfHeight = (bottom - shoulderTop) / 2.0;
        const double round = 0.6 * u;
        const auto sdf = sdTrapezoid(p, halfBottom - round, halfTop + 0.4 * u, halfHeight - round) - round;
        const auto v = toLocal(w, {centre.x, shoulderTop}, {0.0, 1.0});
        auto colour = shadeMaterial(m_id.clothes, v.across, v.along, m_u * 3.0);
        // Neckline: skin in a rounded opening under the neck.
        const auto opening = coverage(sdEllipse(toLocal(w, {m_chin.x, shoulderTop}, {0.0, 1.0}), 0.62 * u, 0.45 * u));
        colour = colour + (colourOf(scaled(m_id.skin, 0.92)) - colour) * opening.unsqueeze(0);
        const auto q = (v.across / halfBottom).clamp(-0.98, 0.98);
        colour = lit(colour, q * -1.0, torch::full_like(q, -0.2), torch::sqrt(1.0 - q.square()), m_id.light);
        m_canvas.paint(w, colour * (1.0 - 0.25 * (1.0 + sdf / 1.3).clamp(0.0, 1.0)).unsqueeze(0), coverage(sdf), true);
    }

    // The hair behind the head: its volume above and round the face, and (long hair) a curtain falling
    // behind the shoulders, drawn before the body.
    void drawBackHair(bool curtain) {
        const double u = m_u, volume = m_id.hairVolume;
        const Vec2 centre = m_top + m_up * (m_foreheadHeight * 0.3);
        const double rx = m_halfWidth * 1.12 * volume, ry = m_foreheadHeight * 1.08 * volume + 0.15 * u;
        const double fall = (m_chin.y + 1.6 * u) - centre.y;
        std::vector<Vec2> reach{centre - Vec2{rx + ry, rx + ry}, centre + Vec2{rx + ry, rx + ry}};
        if (curtain) reach.push_back(centre + Vec2{0.0, fall});
        const Window w = windowAround(reach, 2.0);
        if (w.empty()) return;
        torch::Tensor sdf;
        if (curtain) {
            sdf = sdTrapezoid(toLocal(w, centre + Vec2{0.0, fall / 2.0}, {0.0, -1.0}), rx * 1.15, rx, fall / 2.0) -
                  0.1 * u;
        } else {
            sdf = sdEllipse(toLocal(w, centre, m_frame.y * -1.0), rx, ry);
            if (m_id.hairStyle == PortraitIdentity::Hair::Bun)
                sdf = sdUnion(sdf, sdEllipse(toLocal(w, centre + m_up * (ry * 0.95), m_up), 0.42 * u, 0.36 * u));
        }
        const LocalCoords p = toLocal(w, centre, m_frame.y);
        auto colour =
            colourOf(curtain ? scaled(m_id.hair, 0.85) : m_id.hair) * hairStrands(p.across, p.along, u).unsqueeze(0);
        const auto n = domeNormal(w, centre, rx, curtain ? fall : ry * 1.3);
        colour = lit(colour, n[0], n[1], n[2], m_id.light);
        m_canvas.paint(w, colour * (1.0 - 0.25 * (1.0 + sdf / 1.3).clamp(0.0, 1.0)).unsqueeze(0), coverage(sdf), true);
    }

    void drawEars() {
        const double u = m_u;
        for (const auto& [a, b, side] : {std::tuple{1, 3, -1.0}, std::tuple{13, 15, 1.0}}) {
            const Vec2 c = (at(m_f, point(FacePart::Jaw, a)) + at(m_f, point(FacePart::Jaw, b))) * 0.5 +
                           m_frame.x * (side * 0.06 * u) + m_up * (0.12 * u);
            const Window w = m_canvas.window(c.x - 0.4 * u, c.y - 0.4 * u, c.x + 0.4 * u, c.y + 0.4 * u);
            if (w.empty()) continue;
            const auto sdf = sdEllipse(toLocal(w, c, m_up), 0.13 * u, 0.25 * u);
            auto colour = colourOf(scaled(m_id.skin, 0.93)).expand({3, w.y1 - w.y0, w.x1 - w.x0});
            const auto inner = coverage(sdEllipse(toLocal(w, c, m_up), 0.06 * u, 0.15 * u) + 1.0);
            colour = colour + (colourOf(scaled(m_id.skin, 0.7)) - colour) * (inner * 0.6).unsqueeze(0);
            const auto lightNz = torch::ones_like(sdf) * 0.8;
            colour = lit(colour, torch::full_like(sdf, side * 0.6), torch::zeros_like(sdf), lightNz, m_id.light);
            m_canvas.paint(w, colour * (1.0 - 0.3 * (1.0 + sdf / 1.3).clamp(0.0, 1.0)).unsqueeze(0), coverage(sdf),
                           true);
        }
    }

    void drawFace() {
        const double u = m_u;
        const std::vector<Vec2> outline = faceOutline();
        const Window w = windowAround(outline, 2.0);
        if (w.empty()) return;
        const auto faceSdf = sdPolygon(w, outline);
        const Vec2 faceCentre = m_top + m_up * (-0.2 * u);
        auto colour = colourOf(m_id.skin).expand({3, w.y1 - w.y0, w.x1 - w.x0}).clone();
        // Features are drawn on small windows of the face (`near`), blended into `colour` in place.
        auto near = [&](const std::vector<Vec2>& pts, double pad) { return intersect(w, windowAround(pts, pad)); };
        auto decal = [&](const Window& sub, const torch::Tensor& alpha, const torch::Tensor& c) {
            if (sub.empty()) return;
            auto region = crop(colour, w, sub);
            region.copy_(region + (c - region) * alpha.unsqueeze(0));
        };

        // Cheeks and a beard shadow.
        for (double side : {-1.0, 1.0}) {
            const Vec2 cheek = m_frame.toImage({side * 0.55, 0.25});
            const Window sub = near({cheek}, 0.3 * u);
            if (sub.empty()) continue;
            decal(sub, smoothstep(0.0, 1.0, 1.0 - ellipticalDistance(sub, cheek, 0.28 * u, 0.2 * u)) * 0.25,
                  colourOf(mix(m_id.skin, m_id.lips, 0.6)));
        }
        if (m_id.beard) {
            const auto lower = toLocal(w, m_frame.toImage({0.0, 0.0}), m_frame.y).along;
            const auto beard = smoothstep(0.2 * u, 0.5 * u, lower);
            decal(w, beard * 0.8,
                  colourOf(scaled(m_id.hair, 0.9)) *
                      (1.0 + 0.2 * torch::sin(toLocal(w, m_top, m_frame.y).across * 2.5)).unsqueeze(0));
        }
        // Nose: a soft shadow along the bridge on the side away from the light, and nostrils.
        const double shadowSide = m_id.light.dx > 0 ? -1.0 : 1.0;
        std::vector<Vec2> bridgeShadow;
        for (const Vec2& p : partPoints(m_f, FacePart::NoseBridge))
            bridgeShadow.push_back(p + m_frame.x * (shadowSide * 0.07 * u));
        if (const Window sub = near(bridgeShadow, 0.1 * u); !sub.empty())
            decal(sub, (1.0 - distanceToPolyline(sub, bridgeShadow) / (0.06 * u)).clamp(0.0, 1.0) * 0.3,
                  colourOf(scaled(m_id.skin, 0.65)));
        const std::vector<Vec2> lowerNose = partPoints(m_f, FacePart::LowerNose);
        if (const Window sub = near(lowerNose, 0.1 * u); !sub.empty()) {
            decal(sub, (1.0 - distanceToPolyline(sub, lowerNose) / (0.05 * u)).clamp(0.0, 1.0) * 0.35,
                  colourOf(scaled(m_id.skin, 0.6)));
            for (int k : {1, 3}) {
                const Vec2 nostril = at(m_f, point(FacePart::LowerNose, k)) - m_up * (0.015 * u);
                decal(sub, coverage(sdEllipse(toLocal(sub, nostril, m_up), 0.045 * u, 0.03 * u)) * 0.8,
                      colourOf(scaled(m_id.skin, 0.35)));
            }
        }
        // Lips, mouth opening with teeth, the line between the lips.
        const std::vector<Vec2> outerLips = partPoints(m_f, FacePart::OuterLips);
        if (const Window sub = near(outerLips, 2.0); !sub.empty()) {
            decal(sub, coverage(sdPolygon(sub, outerLips)), colourOf(m_id.lips));
            const std::vector<Vec2> innerLips = partPoints(m_f, FacePart::InnerLips);
            const std::vector<Vec2> upperInner(innerLips.begin(), innerLips.begin() + 5);
            const auto seam = distanceToPolyline(sub, upperInner);
            const auto teeth = (1.0 - seam / (0.09 * u)).clamp(0.0, 1.0);
            const Colour mouth{0.25, 0.06, 0.07}, tooth{0.93, 0.92, 0.86};
            const auto mouthColour =
                colourOf(mouth) + (colourOf(tooth) - colourOf(mouth)) * (teeth * 1.5).clamp(0.0, 1.0).unsqueeze(0);
            decal(sub, coverage(sdPolygon(sub, innerLips)), mouthColour);
            decal(sub, (1.0 - seam / 1.2).clamp(0.0, 1.0) * 0.7, colourOf(scaled(m_id.lips, 0.45)));
        }
        // Eyes: white, iris and pupil clipped to the eye, a highlight, the upper lid line.
        for (FacePart part : {FacePart::RightEye, FacePart::LeftEye}) {
            const std::vector<Vec2> eye = partPoints(m_f, part);
            const Window sub = near(eye, 3.0);
            if (sub.empty()) continue;
            const auto eyeSdf = sdPolygon(sub, eye);
            decal(sub, coverage(eyeSdf), colourOf({0.94, 0.93, 0.9}));
            const Vec2 centre = partMean(m_f, part);
            const double irisRadius = 0.085 * u;
            const auto dist = torch::sqrt((sub.xs - centre.x).square() + (sub.ys - centre.y).square());
            decal(sub, coverage(sdIntersection(dist - irisRadius, eyeSdf)), colourOf(m_id.iris));
            decal(sub, coverage(sdIntersection(dist - irisRadius * 0.45, eyeSdf)), colourOf({0.03, 0.03, 0.03}));
            const auto glint =
                torch::sqrt((sub.xs - centre.x - 0.03 * u).square() + (sub.ys - centre.y + 0.03 * u).square()) -
                0.022 * u;
            decal(sub, coverage(sdIntersection(glint, eyeSdf)), colourOf({1.0, 1.0, 1.0}));
            const std::vector<Vec2> upperLid(eye.begin(), eye.begin() + 4);
            decal(sub, (1.0 - (distanceToPolyline(sub, upperLid) - 0.012 * u)).clamp(0.0, 1.0),
                  colourOf({0.08, 0.05, 0.05}));
        }
        // Brows: thick strokes through their points.
        for (FacePart part : {FacePart::RightBrow, FacePart::LeftBrow}) {
            const std::vector<Vec2> brow = partPoints(m_f, part);
            const Window sub = near(brow, 0.06 * u + 2.0);
            if (sub.empty()) continue;
            decal(sub, coverage(distanceToPolyline(sub, brow) - 0.045 * u),
                  colourOf(m_id.brow) * (1.0 + 0.2 * torch::sin(sub.xs * 1.7 + sub.ys * 0.9)).unsqueeze(0));
        }
        // Hair over the forehead and temples: inside the face, outside an oval opening round the features.
        if (m_id.hairStyle != PortraitIdentity::Hair::Bald) {
            const Vec2 openingCentre =
                at(m_f, point(FacePart::NoseBridge, partSize(FacePart::NoseBridge) - 1)) + m_frame.y * (0.3 * u);
            const double reachUp = length(m_top + m_up * m_foreheadHeight - openingCentre);
            const LocalCoords p = toLocal(w, openingCentre, m_frame.y * -1.0);
            const auto wave = 0.05 * u * torch::sin(p.across / u * 9.0 + m_id.fringeWave);
            const auto opening = sdEllipse(p, m_halfWidth * 0.93, reachUp * m_id.hairline) + wave;
            decal(w, (0.5 + opening).clamp(0.0, 1.0),
                  colourOf(m_id.hair) * hairStrands(p.across, p.along, u).unsqueeze(0));
        }
        const auto n =
            domeNormal(w, faceCentre, m_halfWidth * 1.05, (m_foreheadHeight + length(m_chin - m_top)) * 0.55);
        colour = lit(colour, n[0], n[1], n[2], m_id.light);
        m_canvas.paint(w, colour * (1.0 - 0.22 * (1.0 + faceSdf / 1.3).clamp(0.0, 1.0)).unsqueeze(0), coverage(faceSdf),
                       true);
    }

    // A fine, irregular strand texture, mostly along the hair's fall.
    torch::Tensor hairStrands(const torch::Tensor& across, const torch::Tensor& along, double u) const {
        return 1.0 + 0.05 * torch::sin(across / u * 41.0 + along / u * 3.0) +
               0.04 * torch::sin(across / u * 23.0 - along / u * 5.0 + 1.3);
    }

    // Elliptical distance (1 on the ellipse) from `centre` with radii along the face axes.
    torch::Tensor ellipticalDistance(const Window& w, Vec2 centre, double rx, double ry) const {
        const LocalCoords p = toLocal(w, centre, m_frame.y);
        return torch::sqrt((p.across / rx).square() + (p.along / ry).square());
    }

    const PortraitIdentity& m_id;
    const face::FaceLandmarks& m_f;
    Canvas m_canvas;
    FaceFrame m_frame;
    Vec2 m_up, m_top, m_chin;
    double m_u = 1.0, m_halfWidth = 1.0, m_foreheadHeight = 1.0;
};

void validatePortraitPhoto(const torch::Tensor& photo) {
    if (!photo.defined() || photo.dim() != 3 || photo.size(0) != 3 || photo.size(1) < 2 || photo.size(2) < 2 ||
        !photo.is_floating_point())
        throw Error("portrait pairs: the photo must be a float tensor [3, H, W]");
}

}  // namespace

PortraitPairGenerator::PortraitPairGenerator(PortraitGeneratorConfig config) : m_config(config) {
    validateConfig(m_config);
}

face::FaceLandmarks PortraitPairGenerator::perturbLandmarks(const face::FaceLandmarks& landmarks,
                                                            std::uint64_t seed) const {
    Rng rng(mix64(seed ^ 0x9E57A1ull));
    const PortraitGeneratorConfig& c = m_config;
    auto maybe = [&](double limit) { return rng.chance(c.expressionProbability) ? rng.uniform(0.0, limit) : 0.0; };
    Expression e;
    e.jawOpen = maybe(c.jawOpen);
    e.smile = maybe(c.smile);
    const double brows = maybe(c.browRaise);
    e.rightBrow = brows * rng.uniform(0.6, 1.0);
    e.leftBrow = brows * rng.uniform(0.6, 1.0);
    const double blink = maybe(c.eyeClose);
    e.rightEyeClose = rng.chance(0.8) ? blink : 0.0;
    e.leftEyeClose = rng.chance(0.8) ? blink : 0.0;
    HeadMotion m;
    m.yaw = radians(rng.uniform(-c.yawDegrees, c.yawDegrees));
    m.pitch = radians(rng.uniform(-c.pitchDegrees, c.pitchDegrees));
    m.roll = radians(rng.uniform(-c.rollDegrees, c.rollDegrees));
    m.scale = 1.0 + rng.uniform(-c.scaleJitter, c.scaleJitter);
    m.shiftX = rng.uniform(-c.shiftJitter, c.shiftJitter) * 2.0;
    m.shiftY = rng.uniform(-c.shiftJitter, c.shiftJitter) * 2.0;
    return moveLandmarks(landmarks, e, m);
}

ProceduralPortrait PortraitPairGenerator::renderProceduralPortrait(std::uint64_t seed) const {
    const PortraitIdentity id = samplePortraitIdentity(seed, m_config.height, m_config.width);
    return renderProceduralPortrait(seed, neutralLandmarks(id));
}

ProceduralPortrait PortraitPairGenerator::renderProceduralPortrait(std::uint64_t seed,
                                                                   const face::FaceLandmarks& landmarks) const {
    face::validate(landmarks, "procedural portrait landmarks");
    const PortraitIdentity id = samplePortraitIdentity(seed, m_config.height, m_config.width);
    torch::NoGradGuard noGrad;
    const IntraOpThreads threads(m_config.threads);
    PortraitPainter painter(id, landmarks, m_config.height, m_config.width, m_config.device);
    return painter.paint();
}

PairSample PortraitPairGenerator::generate(std::uint64_t seed) const {
    const ProceduralPortrait reference = renderProceduralPortrait(seed);
    const face::FaceLandmarks moved = perturbLandmarks(reference.landmarks, seed);
    PairSample pair;
    pair.seed = seed;
    pair.sameFraming = true;  // the face drawn again in place, or warped
    pair.reference = reference.image;
    pair.referenceMask = reference.mask;
    pair.referenceFace = reference.landmarks;
    pair.targetFace = moved;
    if (m_config.redrawProceduralTarget) {
        const ProceduralPortrait target = renderProceduralPortrait(seed, moved);
        pair.target = target.image;
        pair.targetMask = target.mask;
    } else {
        torch::NoGradGuard noGrad;
        pair.target = warpByLandmarks(reference.image, reference.landmarks, moved, m_config.borderAnchorsPerSide,
                                      m_config.mergeDistance);
        pair.targetMask = warpByLandmarks(reference.mask, reference.landmarks, moved, m_config.borderAnchorsPerSide,
                                          m_config.mergeDistance);
    }
    return pair;
}

PairSample PortraitPairGenerator::generate(const torch::Tensor& photo, const face::FaceLandmarks& landmarks,
                                           std::uint64_t seed) const {
    validatePortraitPhoto(photo);
    face::validate(landmarks, "portrait photo landmarks");
    const face::FaceLandmarks moved = perturbLandmarks(landmarks, seed);
    torch::NoGradGuard noGrad;
    PairSample pair;
    pair.seed = seed;
    pair.sameFraming = true;  // the photo warped in place
    pair.reference = photo.to(torch::kFloat32).clone();
    pair.referenceFace = landmarks;
    pair.target =
        warpByLandmarks(pair.reference, landmarks, moved, m_config.borderAnchorsPerSide, m_config.mergeDistance);
    pair.targetFace = moved;
    return pair;
}

torch::Tensor warpByLandmarks(const torch::Tensor& image, const face::FaceLandmarks& from,
                              const face::FaceLandmarks& to, int anchorsPerSide, double mergeDistance) {
    if (!(image.dim() == 3 || image.dim() == 4))
        throw Error("landmark warp: expected an image [C, H, W] or [N, C, H, W]");
    const int height = static_cast<int>(image.size(-2)), width = static_cast<int>(image.size(-1));
    return sampleAtPixels(
        image, landmarkWarpSourceCoordinates(from, to, height, width, anchorsPerSide, mergeDistance, image.device()));
}

torch::Tensor landmarkWarpSourceCoordinates(const face::FaceLandmarks& from, const face::FaceLandmarks& to, int height,
                                            int width, int anchorsPerSide, double mergeDistance,
                                            const torch::Device& device) {
    if (anchorsPerSide < 0) throw Error("landmark warp: anchorsPerSide must be >= 0");
    if (height < 1 || width < 1) throw Error("landmark warp: the image must have at least one pixel");
    // The spline runs backwards, from target positions to source positions.
    std::vector<Point2> controls, values;
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const Point2 t = to.points[static_cast<std::size_t>(i)];
        const bool duplicate = std::any_of(controls.begin(), controls.end(), [&](const Point2& c) {
            return std::hypot(c.x - t.x, c.y - t.y) <= std::max(mergeDistance, 1e-6);
        });
        if (duplicate) continue;
        controls.push_back(t);
        values.push_back(from.points[static_cast<std::size_t>(i)]);
    }
    // Anchors on the border keep the picture's edges in place.
    for (int k = 0; k < anchorsPerSide; ++k) {
        const float t = anchorsPerSide == 1 ? 0.f : static_cast<float>(k) / static_cast<float>(anchorsPerSide);
        const float right = static_cast<float>(width - 1), bottom = static_cast<float>(height - 1);
        for (const Point2& p : {Point2{t * right, 0.f}, Point2{right, t * bottom}, Point2{(1.f - t) * right, bottom},
                                Point2{0.f, (1.f - t) * bottom}}) {
            controls.push_back(p);
            values.push_back(p);
        }
    }
    return ThinPlateSpline(controls, values).evaluateGrid(height, width, device);
}

}  // namespace marionette::synth
