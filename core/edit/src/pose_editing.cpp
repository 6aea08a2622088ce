#include "marionette/edit/pose_editing.h"

#include "marionette/util/error.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace marionette::edit {
namespace {

using pose::JointId;
using pose::Pose;

Point2 operator-(Point2 a, Point2 b) { return {a.x - b.x, a.y - b.y}; }
Point2 operator+(Point2 a, Point2 b) { return {a.x + b.x, a.y + b.y}; }
Point2 operator*(Point2 a, float s) { return {a.x * s, a.y * s}; }
float dot(Point2 a, Point2 b) { return a.x * b.x + a.y * b.y; }
float length(Point2 a) { return std::sqrt(dot(a, a)); }

Point2 rotatedAbout(Point2 p, Point2 centre, float angle) {
    const float c = std::cos(angle), s = std::sin(angle);
    const Point2 d = p - centre;
    return {centre.x + c * d.x - s * d.y, centre.y + s * d.x + c * d.y};
}

// The signed angle that turns direction a into direction b (y down, so positive is clockwise on screen).
float angleBetween(Point2 a, Point2 b) { return std::atan2(b.y, b.x) - std::atan2(a.y, a.x); }

std::optional<Point2> positionOf(const Pose& p, JointId j) {
    if (const auto k = p.find(j)) return k->position;
    return std::nullopt;
}

// Rotates `root` and everything below it about `centre`.
void rotateSubtree(Pose& p, JointId root, Point2 centre, float angle) {
    std::vector<JointId> joints = descendantsOf(root);
    joints.push_back(root);
    for (JointId j : joints) {
        if (auto k = p.find(j)) {
            k->position = rotatedAbout(k->position, centre, angle);
            p.set(j, *k);
        }
    }
}

void translateJoints(Pose& p, const std::vector<JointId>& joints, Point2 offset) {
    for (JointId j : joints) {
        if (auto k = p.find(j)) {
            k->position = k->position + offset;
            p.set(j, *k);
        }
    }
}

std::vector<JointId> allJoints() {
    std::vector<JointId> out;
    for (int i = 0; i < pose::kJointCount; ++i) out.push_back(pose::jointAt(i));
    return out;
}

// One joint's gesture without symmetry; `angleOut` receives the rotation applied (keep-lengths moves).
Pose moveOne(const Pose& start, JointId joint, Point2 to, bool keepBoneLengths, float* angleOut) {
    Pose out = start;
    const Point2 from = start.at(joint).position;
    if (angleOut) *angleOut = 0.f;
    if (!keepBoneLengths) {
        auto k = start.at(joint);
        k.position = to;
        out.set(joint, k);
        return out;
    }
    const auto parent = pose::parentOf(joint);
    const auto parentAt = parent ? positionOf(start, *parent) : std::nullopt;
    if (!parentAt || length(from - *parentAt) < 1e-3f || length(to - *parentAt) < 1e-3f) {
        // The root (or a joint whose parent is hidden): the whole subtree moves along.
        std::vector<JointId> joints = joint == JointId::Neck ? allJoints() : descendantsOf(joint);
        if (joint != JointId::Neck) joints.push_back(joint);
        translateJoints(out, joints, to - from);
        return out;
    }
    const float angle = angleBetween(from - *parentAt, to - *parentAt);
    rotateSubtree(out, joint, *parentAt, angle);
    if (angleOut) *angleOut = angle;
    return out;
}

// The default skeleton in a unit box framed like a people detector's window (64 x 128 with the person
// in about its middle 3/4): x across, y down, a person facing the camera (its right side on the left).
struct TemplateJoint {
    JointId joint;
    float x, y;
};
constexpr std::array<TemplateJoint, pose::kJointCount> kStandingTemplate{{
    {JointId::Nose, 0.500f, 0.185f},
    {JointId::Neck, 0.500f, 0.255f},
    {JointId::RightShoulder, 0.385f, 0.265f},
    {JointId::RightElbow, 0.350f, 0.385f},
    {JointId::RightWrist, 0.335f, 0.495f},
    {JointId::LeftShoulder, 0.615f, 0.265f},
    {JointId::LeftElbow, 0.650f, 0.385f},
    {JointId::LeftWrist, 0.665f, 0.495f},
    {JointId::RightHip, 0.435f, 0.515f},
    {JointId::RightKnee, 0.430f, 0.680f},
    {JointId::RightAnkle, 0.430f, 0.845f},
    {JointId::LeftHip, 0.565f, 0.515f},
    {JointId::LeftKnee, 0.570f, 0.680f},
    {JointId::LeftAnkle, 0.570f, 0.845f},
    {JointId::RightEye, 0.480f, 0.170f},
    {JointId::LeftEye, 0.520f, 0.170f},
    {JointId::RightEar, 0.455f, 0.180f},
    {JointId::LeftEar, 0.545f, 0.180f},
}};

Point2 templateAt(JointId j) {
    for (const auto& t : kStandingTemplate) {
        if (t.joint == j) return {t.x, t.y};
    }
    return {0.5f, 0.5f};
}

// The neck-to-hips length of the template in a box of the given height (the template's own proportions).
float templateTorso(float boxHeight) { return (0.515f - 0.255f) * boxHeight; }

}  // namespace

std::vector<JointId> descendantsOf(JointId joint) {
    std::vector<JointId> out;
    std::vector<JointId> frontier{joint};
    while (!frontier.empty()) {
        const JointId parent = frontier.back();
        frontier.pop_back();
        for (const pose::Limb& limb : pose::limbs()) {
            if (limb.parent == parent) {
                out.push_back(limb.child);
                frontier.push_back(limb.child);
            }
        }
    }
    return out;
}

BodyAxis bodyAxis(const Pose& p) {
    const auto neck = positionOf(p, JointId::Neck);
    if (!neck) {
        const auto box = p.bounds();
        const Point2 centre =
            box ? Point2{static_cast<float>(box->x + box->width / 2), static_cast<float>(box->y + box->height / 2)}
                : Point2{};
        return {centre, {0.f, 1.f}};
    }
    const auto hips = midHip(p);
    if (!hips || length(*hips - *neck) < 1.f) return {*neck, {0.f, 1.f}};
    const Point2 d = *hips - *neck;
    return {*neck, d * (1.f / length(d))};
}

Point2 reflectOffset(Point2 offset, const BodyAxis& axis) {
    // Reflection across the line with unit direction u: 2 (d . u) u - d.
    return axis.direction * (2.f * dot(offset, axis.direction)) - offset;
}

Pose moveJoint(const Pose& start, JointId joint, Point2 to, const JointMoveOptions& options) {
    if (!start.has(joint)) return start;
    float angle = 0.f;
    Pose out = moveOne(start, joint, to, options.keepBoneLengths, &angle);
    const JointId mirror = pose::mirrorOf(joint);
    if (!options.symmetric || mirror == joint || !start.has(mirror)) return out;

    const BodyAxis axis = bodyAxis(start);
    const Point2 from = start.at(joint).position;
    const Point2 mirrorFrom = start.at(mirror).position;
    const auto mirrorParent = pose::parentOf(mirror);
    const auto mirrorParentAt = mirrorParent ? positionOf(out, *mirrorParent) : std::nullopt;
    if (options.keepBoneLengths && angle != 0.f && mirrorParentAt) {
        // A reflection reverses orientation: the mirror limb turns by the opposite angle.
        rotateSubtree(out, mirror, *mirrorParentAt, -angle);
    } else {
        const Pose mirrored =
            moveOne(out, mirror, mirrorFrom + reflectOffset(to - from, axis), options.keepBoneLengths, nullptr);
        out = mirrored;
    }
    return out;
}

Pose rotateLimb(const Pose& start, const pose::Limb& limb, Point2 grabbed, Point2 now, bool symmetric) {
    const auto centre = positionOf(start, limb.parent);
    if (!centre || !start.has(limb.child)) return start;
    if (length(grabbed - *centre) < 1e-3f || length(now - *centre) < 1e-3f) return start;
    const float angle = angleBetween(grabbed - *centre, now - *centre);
    Pose out = start;
    rotateSubtree(out, limb.child, *centre, angle);
    const JointId mirrorChild = pose::mirrorOf(limb.child);
    const JointId mirrorParent = pose::mirrorOf(limb.parent);
    if (symmetric && mirrorChild != limb.child && start.has(mirrorChild)) {
        if (const auto mirrorCentre = positionOf(out, mirrorParent))
            rotateSubtree(out, mirrorChild, *mirrorCentre, -angle);
    }
    return out;
}

Pose mirrorPose(const Pose& p) { return p.mirrored(bodyAxis(p).origin.x); }

Pose fitPoseTo(const Pose& shape, const Pose& person) {
    if (shape.presentCount() < 2) throw Error("the pose to fit needs at least two joints");
    if (person.presentCount() < 2) throw Error("the person's skeleton needs at least two joints");
    const auto shapeNeck = positionOf(shape, JointId::Neck), personNeck = positionOf(person, JointId::Neck);
    const auto shapeHips = midHip(shape), personHips = midHip(person);
    float scale = 0.f;
    Point2 shapeAnchor, personAnchor;
    if (shapeNeck && personNeck && shapeHips && personHips && length(*shapeHips - *shapeNeck) > 1e-3f &&
        length(*personHips - *personNeck) > 1e-3f) {
        scale = length(*personHips - *personNeck) / length(*shapeHips - *shapeNeck);
        shapeAnchor = *shapeNeck;
        personAnchor = *personNeck;
    } else {
        const Box a = *shape.bounds(), b = *person.bounds();
        const double sa = std::max(a.height, a.width), sb = std::max(b.height, b.width);
        scale = sa > 1e-3 ? static_cast<float>(sb / sa) : 1.f;
        shapeAnchor = {static_cast<float>(a.x + a.width / 2), static_cast<float>(a.y + a.height / 2)};
        personAnchor = {static_cast<float>(b.x + b.width / 2), static_cast<float>(b.y + b.height / 2)};
    }
    return shape.mapped([&](Point2 p) { return personAnchor + (p - shapeAnchor) * scale; });
}

Point2 restorePosition(JointId joint, const Pose& current, const Pose& reference) {
    const auto parent = pose::parentOf(joint);
    const auto referenceAt = positionOf(reference, joint);
    if (referenceAt) {
        if (parent) {
            const auto a = positionOf(current, *parent), b = positionOf(reference, *parent);
            if (a && b) return *referenceAt + (*a - *b);
        }
        return *referenceAt;
    }
    // Not in the reference either: the default skeleton's offset from the parent, at this person's scale.
    float torso = 0.f;
    if (const auto neck = positionOf(current, JointId::Neck)) {
        if (const auto hips = midHip(current)) torso = length(*hips - *neck);
    }
    if (torso < 1.f) {
        const auto box = current.bounds();
        torso = box ? static_cast<float>(std::max(box->height, box->width)) * 0.35f : 50.f;
        torso = std::max(torso, 20.f);
    }
    const float boxHeight = torso / templateTorso(1.f);
    const auto offsetFrom = [&](JointId from) { return (templateAt(joint) - templateAt(from)) * boxHeight; };
    if (parent) {
        if (const auto a = positionOf(current, *parent)) return *a + offsetFrom(*parent);
    }
    if (const auto neck = positionOf(current, JointId::Neck)) return *neck + offsetFrom(JointId::Neck);
    const auto box = current.bounds();
    return box ? Point2{static_cast<float>(box->x + box->width / 2), static_cast<float>(box->y + box->height / 2)}
               : Point2{};
}

Pose defaultSkeleton(const Box& personBox) {
    Pose p;
    // The template is drawn for a 1:2 window; a wider or narrower box keeps the person's proportions.
    const double height = personBox.height;
    const double width = std::min(personBox.width, height * 0.5);
    const double left = personBox.x + (personBox.width - width) / 2;
    for (const auto& t : kStandingTemplate)
        p.set(t.joint, static_cast<float>(left + t.x * width), static_cast<float>(personBox.y + t.y * height));
    return p;
}

Pose clampedTo(const Pose& p, ImageSize photo) {
    const float maxX = static_cast<float>(std::max(0, photo.width - 1)),
                maxY = static_cast<float>(std::max(0, photo.height - 1));
    return p.mapped([&](Point2 q) { return Point2{std::clamp(q.x, 0.f, maxX), std::clamp(q.y, 0.f, maxY)}; });
}

}  // namespace marionette::edit
