#pragma once
// One person's COCO-18 pose: each joint absent or (x, y, confidence), in pixels of the image it belongs to.
#include "marionette/pose/skeleton.h"
#include "marionette/util/geometry.h"

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace marionette::pose {

struct Keypoint {
    Point2 position;
    float confidence = 1.f;
};

// Coordinates larger than this are refused by every reader: no supported image is that large (image.h).
constexpr float kMaxCoordinate = 100000.f;

class Pose {
public:
    bool has(JointId joint) const { return slot(joint).has_value(); }
    const Keypoint& at(JointId joint) const;  // throws marionette::Error when the joint is absent
    std::optional<Keypoint> find(JointId joint) const { return slot(joint); }
    void set(JointId joint, Keypoint keypoint) { slot(joint) = keypoint; }
    void set(JointId joint, float x, float y, float confidence = 1.f) { set(joint, {{x, y}, confidence}); }
    void remove(JointId joint) { slot(joint).reset(); }

    int presentCount() const;
    // Bounding box of the present joints (zero-size for one joint); nullopt when none is present.
    std::optional<Box> bounds() const;

    // Every present joint moved by `f`; confidences kept.
    Pose mapped(const std::function<Point2(Point2)>& f) const;
    // Mirrored about the vertical line x = axisX, with left and right joints swapped so that the result is
    // again a valid skeleton (a right wrist stays a right wrist of the mirrored person).
    Pose mirrored(float axisX) const;

    bool operator==(const Pose& other) const;

private:
    std::optional<Keypoint>& slot(JointId j) { return m_joints.at(static_cast<std::size_t>(index(j))); }
    const std::optional<Keypoint>& slot(JointId j) const { return m_joints.at(static_cast<std::size_t>(index(j))); }

    std::array<std::optional<Keypoint>, kJointCount> m_joints{};
};

// Several people of one image, in file order.
using People = std::vector<Pose>;

// The middle of the hips, or the one hip present; nullopt without hips.
std::optional<Point2> midHip(const Pose& pose);
// The torso's length (neck to the middle of the hips) in the pose's own pixels: what sizes body parts, meshes
// and seams. A skeleton without neck or hips falls back on a third of the larger side of its joints' bounds
// (at least 1).
double torsoLength(const Pose& pose);
// The median distance between the joints `a` and `b` both have (and that `counts`, when given, accepts):
// how far apart two skeletons of one person lie, a stray joint or two aside; nullopt when none is shared.
std::optional<double> medianJointDistance(const Pose& a, const Pose& b,
                                          const std::function<bool(JointId)>& counts = {});

// Refuses NaN/inf, negative or huge coordinates and confidences outside [0, inf): "<what>: right wrist has ...".
void validate(const Pose& pose, const std::string& what);

}  // namespace marionette::pose
