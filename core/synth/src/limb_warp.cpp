#include "marionette/synth/limb_warp.h"

#include "marionette/synth/random.h"
#include "marionette/util/error.h"
#include "marionette/util/geometry.h"

#include <torch/torch.h>

#include <array>
#include <cmath>
#include <limits>

namespace marionette::synth {
namespace {

using pose::JointId;

// Exponent of the inverse-distance bone weights: high enough that a limb's pixels follow that limb alone.
constexpr float kFalloffPower = 3.f;

void validateConfig(const LimbWarpConfig& c) {
    for (double d : {c.upperArmDegrees, c.forearmDegrees, c.thighDegrees, c.shinDegrees, c.headDegrees})
        if (!(d >= 0.0 && d <= 180.0)) throw Error("limb warp: rotation limits must lie in [0, 180] degrees");
    if (!(c.moveProbability >= 0.0 && c.moveProbability <= 1.0))
        throw Error("limb warp: moveProbability must lie in [0, 1]");
    if (!(c.blendSigma > 0.0)) throw Error("limb warp: blendSigma must be positive");
    if (!(c.backgroundRadius >= 0.0)) throw Error("limb warp: backgroundRadius must be >= 0");
}

void validateLimbWarpPhoto(const torch::Tensor& photo) {
    if (!photo.defined() || photo.dim() != 3 || photo.size(0) != 3 || photo.size(1) < 2 || photo.size(2) < 2 ||
        !photo.is_floating_point())
        throw Error("limb warp: the photo must be a float tensor [3, H, W]");
}

// The largest rotation (degrees) of the limb ending at `child`: arms about shoulder and elbow, legs about hip
// and knee, the head about the neck. Other limbs (collar bones, hips, face) keep their angle.
double rotationLimit(JointId child, const LimbWarpConfig& c) {
    switch (child) {
        case JointId::RightElbow:
        case JointId::LeftElbow:
            return c.upperArmDegrees;
        case JointId::RightWrist:
        case JointId::LeftWrist:
            return c.forearmDegrees;
        case JointId::RightKnee:
        case JointId::LeftKnee:
            return c.thighDegrees;
        case JointId::RightAnkle:
        case JointId::LeftAnkle:
            return c.shinDegrees;
        case JointId::Nose:
            return c.headDegrees;
        default:
            return 0.0;
    }
}

// Forward kinematics in the image plane: each limb turns by its own angle plus its parents'.
pose::Pose rotateLimbs(const pose::Pose& p, const std::array<double, pose::kLimbCount>& angles) {
    pose::Pose out = p;
    std::array<double, pose::kJointCount> turn{};
    std::size_t i = 0;
    for (const pose::Limb& limb : pose::limbs()) {  // parents come before their children
        const double angle = angles[i++];
        const auto parent = p.find(limb.parent), child = p.find(limb.child);
        if (!parent || !child) continue;
        const double total = turn[static_cast<std::size_t>(pose::index(limb.parent))] + angle;
        turn[static_cast<std::size_t>(pose::index(limb.child))] = total;
        const double dx = child->position.x - parent->position.x, dy = child->position.y - parent->position.y;
        const Point2 base = out.at(limb.parent).position;
        const double c = std::cos(total), s = std::sin(total);
        out.set(limb.child, static_cast<float>(base.x + c * dx - s * dy), static_cast<float>(base.y + s * dx + c * dy),
                child->confidence);
    }
    return out;
}

bool inside(const pose::Pose& p, int height, int width, double margin) {
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto k = p.find(pose::jointAt(j));
        if (!k) continue;
        if (k->position.x < margin || k->position.y < margin || k->position.x > width - 1 - margin ||
            k->position.y > height - 1 - margin)
            return false;
    }
    return true;
}

}  // namespace

LimbWarpPairGenerator::LimbWarpPairGenerator(LimbWarpConfig config) : m_config(config) { validateConfig(m_config); }

pose::Pose LimbWarpPairGenerator::movedPose(const pose::Pose& photoPose, int height, int width,
                                            std::uint64_t seed) const {
    Rng rng(mix64(seed ^ 0x11AB3A5Full));
    std::array<double, pose::kLimbCount> angles{};
    std::size_t i = 0;
    for (const pose::Limb& limb : pose::limbs()) {
        const double limit = rotationLimit(limb.child, m_config);
        const bool moves = rng.chance(m_config.moveProbability);
        const double angle = rng.uniform(-limit, limit);
        angles[i++] = moves ? radians(angle) : 0.0;
    }
    // Retry with smaller angles until every joint stays inside the image; at worst keep the pose.
    for (int attempt = 0; attempt < 8; ++attempt) {
        const pose::Pose moved = rotateLimbs(photoPose, angles);
        if (inside(moved, height, width, m_config.margin)) return moved;
        for (double& a : angles) a *= 0.7;
    }
    return photoPose;
}

PairSample LimbWarpPairGenerator::generate(const torch::Tensor& photo, const pose::Pose& photoPose,
                                           std::uint64_t seed) const {
    validateLimbWarpPhoto(photo);
    pose::validate(photoPose, "limb warp: photo skeleton");
    const int height = static_cast<int>(photo.size(1)), width = static_cast<int>(photo.size(2));
    const pose::Pose moved = movedPose(photoPose, height, width, seed);
    const LimbBlend blend = m_config.blendAt(height);
    torch::NoGradGuard noGrad;
    const torch::Tensor warped = warpByLimbs(photo.to(torch::kFloat32), photoPose, moved, blend);
    PairSample pair;
    pair.seed = seed;
    pair.sameFraming = true;  // one photo, its limbs turned
    if (m_config.warpedIsReference) {
        pair.reference = warped;
        pair.referencePose = moved;
        pair.target = photo.to(torch::kFloat32).clone();
        pair.targetPose = photoPose;
    } else {
        pair.reference = photo.to(torch::kFloat32).clone();
        pair.referencePose = photoPose;
        pair.target = warped;
        pair.targetPose = moved;
    }
    return pair;
}

torch::Tensor limbWarpSourceCoordinates(const pose::Pose& from, const pose::Pose& to, int height, int width,
                                        const LimbBlend& blend, const torch::Device& device) {
    if (height < 1 || width < 1) throw Error("limb warp: image size must be positive");
    if (!(blend.sigma > 0.0) || !(blend.backgroundRadius >= 0.0))
        throw Error("limb warp: the blend needs sigma > 0 and backgroundRadius >= 0");
    // Per bone, in float64: its segment in `to` (start, unit axis, length) and the affine map that takes a
    // target pixel to the source, kept as its difference from the identity, so that an unmoved bone
    // contributes an exact zero displacement.
    struct Bone {
        double ax, ay, ux, uy, length;  // target segment
        double m[6];                    // source = target + [m0 m1; m3 m4] (x, y) + (m2, m5)
    };
    std::vector<Bone> bones;
    for (const pose::Limb& limb : pose::limbs()) {
        const auto fa = from.find(limb.parent), fb = from.find(limb.child), ta = to.find(limb.parent),
                   tb = to.find(limb.child);
        if (!fa || !fb || !ta || !tb) continue;
        const double fdx = fb->position.x - fa->position.x, fdy = fb->position.y - fa->position.y;
        const double tdx = tb->position.x - ta->position.x, tdy = tb->position.y - ta->position.y;
        const double fl = std::hypot(fdx, fdy), tl = std::hypot(tdx, tdy);
        // A bone of no length has no direction: it only translates.
        const double fux = fl > 1e-6 ? fdx / fl : 1.0, fuy = fl > 1e-6 ? fdy / fl : 0.0;
        const double tux = tl > 1e-6 ? tdx / tl : fux, tuy = tl > 1e-6 ? tdy / tl : fuy;
        const double s = (fl > 1e-6 && tl > 1e-6) ? fl / tl : 1.0;
        // In the target bone's frame a point has along = (p - ta) . u_t and across = (p - ta) . n_t with
        // n = (-uy, ux); the same (s * along, across) in the source bone's frame gives its source:
        // source = fa + A (p - ta) with A = s u_f u_t^T + n_f n_t^T.
        const double a00 = s * fux * tux + fuy * tuy, a01 = s * fux * tuy - fuy * tux;
        const double a10 = s * fuy * tux - fux * tuy, a11 = s * fuy * tuy + fux * tux;
        const double tax = ta->position.x, tay = ta->position.y;
        Bone b{tax, tay, tux, tuy, tl, {}};
        b.m[0] = a00 - 1.0;
        b.m[1] = a01;
        b.m[2] = (fa->position.x - tax) - (a00 - 1.0) * tax - a01 * tay;
        b.m[3] = a10;
        b.m[4] = a11 - 1.0;
        b.m[5] = (fa->position.y - tay) - a10 * tax - (a11 - 1.0) * tay;
        bones.push_back(b);
    }
    const auto f32 = torch::TensorOptions(torch::kFloat32).device(device);
    const auto xs = torch::arange(width, f32).view({1, 1, width});
    const auto ys = torch::arange(height, f32).view({1, height, 1});
    const auto identity = torch::stack({xs.expand({1, height, width})[0], ys.expand({1, height, width})[0]}, -1);
    if (bones.empty()) return identity.clone();

    const auto n = static_cast<int64_t>(bones.size());
    auto column = [&](auto field) {
        std::vector<float> v;
        for (const Bone& b : bones) v.push_back(static_cast<float>(field(b)));
        return torch::tensor(v, torch::kFloat32).view({n, 1, 1}).to(device);
    };
    const auto ax = column([](const Bone&b) { return b.ax; }), ay = column([](const Bone&b) { return b.ay; });
    const auto ux = column([](const Bone&b) { return b.ux; }), uy = column([](const Bone&b) { return b.uy; });
    const auto len = column([](const Bone& b) { return b.length; });
    // Inverse-distance weights (d^2 + sigma^2)^-3 of each target bone (segment), normalised: the nearest bone
    // dominates, neighbours blend smoothly at the joints, and the map has no seams anywhere. A background term
    // at distance `backgroundRadius` (identity motion) keeps far parts of the picture in place.
    const auto dx = xs - ax, dy = ys - ay;  // [n, H, W]
    const auto along = dx * ux + dy * uy;
    const auto across = dy * ux - dx * uy;
    const auto beyond = along - along.clamp_min(0.0).minimum(len);
    const float sigma2 = static_cast<float>(blend.sigma * blend.sigma);
    auto logits = -kFalloffPower * torch::log(beyond.square() + across.square() + sigma2);
    if (blend.backgroundRadius > 0.0) {
        const double background = -kFalloffPower * std::log(blend.backgroundRadius * blend.backgroundRadius + sigma2);
        logits = torch::cat({logits, torch::full({1, height, width}, background, f32)}, 0);
    }
    const auto weights = torch::softmax(logits, 0).slice(0, 0, n);  // the background moves nothing
    // Displacement = sum_k w_k (M_k [x, y, 1]).
    auto m = [&](int i) { return column([i](const Bone& b) { return b.m[i]; }); };
    const auto moveX = (weights * (m(0) * xs + m(1) * ys + m(2))).sum(0);
    const auto moveY = (weights * (m(3) * xs + m(4) * ys + m(5))).sum(0);
    return identity + torch::stack({moveX, moveY}, -1);
}

torch::Tensor nearBones(const pose::Pose& p, int height, int width, double radius, const torch::Device& device) {
    if (height < 1 || width < 1) throw Error("bone proximity: image size must be positive");
    const auto f32 = torch::TensorOptions(torch::kFloat32).device(device);
    const auto xs = torch::arange(width, f32).view({1, width});
    const auto ys = torch::arange(height, f32).view({height, 1});
    auto nearest = torch::full({height, width}, std::numeric_limits<float>::infinity(), f32);
    for (const pose::Limb& limb : pose::limbs()) {
        const auto a = p.find(limb.parent), b = p.find(limb.child);
        if (!a || !b) continue;
        const double dx = b->position.x - a->position.x, dy = b->position.y - a->position.y;
        const double length2 = std::max(dx * dx + dy * dy, 1e-12);
        // Distance to the segment: project on it, clamp to its ends.
        const auto t = (((xs - a->position.x) * dx + (ys - a->position.y) * dy) / length2).clamp(0.0, 1.0);
        const auto distance2 = (xs - a->position.x - t * dx).square() + (ys - a->position.y - t * dy).square();
        nearest = torch::minimum(nearest, distance2);
    }
    return (nearest <= static_cast<float>(radius * radius)).to(torch::kFloat32);
}

torch::Tensor sampleAtPixels(const torch::Tensor& image, const torch::Tensor& sourceXY) {
    const bool batched = image.dim() == 4;
    if (!(image.dim() == 3 || batched) || sourceXY.dim() != 3 || sourceXY.size(2) != 2)
        throw Error("sampling: expected an image [3, H, W] or [N, 3, H, W] and coordinates [H, W, 2]");
    const auto input = batched ? image : image.unsqueeze(0);
    const double w = static_cast<double>(input.size(3)), h = static_cast<double>(input.size(2));
    // align_corners = false: pixel centre x lies at normalised (2x + 1) / W - 1.
    const auto gx = (sourceXY.select(2, 0).to(torch::kFloat64) * 2.0 + 1.0) / w - 1.0;
    const auto gy = (sourceXY.select(2, 1).to(torch::kFloat64) * 2.0 + 1.0) / h - 1.0;
    auto grid = torch::stack({gx, gy}, -1).to(input.scalar_type()).to(input.device()).unsqueeze(0);
    grid = grid.expand({input.size(0), grid.size(1), grid.size(2), 2});
    const auto out = torch::nn::functional::grid_sample(input, grid,
                                                        torch::nn::functional::GridSampleFuncOptions()
                                                            .mode(torch::kBilinear)
                                                            .padding_mode(torch::kBorder)
                                                            .align_corners(false));
    return batched ? out : out.squeeze(0);
}

torch::Tensor warpByLimbs(const torch::Tensor& image, const pose::Pose& from, const pose::Pose& to,
                          const LimbBlend& blend) {
    if (!(image.dim() == 3 || image.dim() == 4)) throw Error("limb warp: expected an image [3, H, W] or [N, 3, H, W]");
    const int height = static_cast<int>(image.size(-2)), width = static_cast<int>(image.size(-1));
    return sampleAtPixels(image, limbWarpSourceCoordinates(from, to, height, width, blend, image.device()));
}

}  // namespace marionette::synth
