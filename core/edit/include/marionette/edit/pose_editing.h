#pragma once
// The geometry of the editor's pose gestures (docs/editor.md, "Gestures"), on skeletons in photo pixels. Every
// gesture is computed from the pose at the gesture's start, so that a long drag never accumulates error.
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <optional>
#include <vector>

namespace marionette::edit {

// The joints below `joint` in core/pose's limb tree (children, grandchildren, ...), without `joint`.
std::vector<pose::JointId> descendantsOf(pose::JointId joint);

// The line the body is mirrored about: through the neck along neck -> middle of the hips, vertical when
// the hips are missing; through the middle of the joints' box when the neck is missing too.
struct BodyAxis {
    Point2 origin;
    Point2 direction;  // unit length
};
BodyAxis bodyAxis(const pose::Pose& pose);

// A displacement reflected across the axis: what the mirror joint does when one joint moves by `offset`.
Point2 reflectOffset(Point2 offset, const BodyAxis& axis);

struct JointMoveOptions {
    // The mirror joint (right wrist <-> left wrist) moves too, mirrored about the body's axis.
    bool symmetric = false;
    // The joint moves on the circle around its parent and the joints below it follow rigidly, so that no
    // bone changes length; the neck (the root) then moves the whole skeleton.
    bool keepBoneLengths = false;
};

// `start` with `joint` dragged to `to`. Returns `start` unchanged when the joint is absent.
pose::Pose moveJoint(const pose::Pose& start, pose::JointId joint, Point2 to, const JointMoveOptions& options = {});

// Dragging the bone `limb` from `grabbed` to `now` rotates the limb and everything below it about the
// limb's parent joint (forward kinematics). `symmetric` rotates the mirror limb by the opposite angle.
pose::Pose rotateLimb(const pose::Pose& start, const pose::Limb& limb, Point2 grabbed, Point2 now,
                      bool symmetric = false);

// The pose mirrored left to right about the vertical line through the body's axis (the neck).
pose::Pose mirrorPose(const pose::Pose& pose);

// `shape` (a preset, in any coordinates) scaled and moved onto `person`: its torso (neck to the middle of
// the hips) gets the person's torso length and its neck the person's neck; without a torso, the joints'
// box heights and centres are matched. Throws marionette::Error when either has fewer than two joints.
pose::Pose fitPoseTo(const pose::Pose& shape, const pose::Pose& person);

// Where a hidden joint of `current` comes back: its reference position moved with its parent, or, when the
// reference lacks it too, its place in the default skeleton relative to its parent.
Point2 restorePosition(pose::JointId joint, const pose::Pose& current, const pose::Pose& reference);

// A person standing and facing the camera, fitted into `personBox` as a people detector frames a person
// (head near the top, feet near the bottom, some margin on each side).
pose::Pose defaultSkeleton(const Box& personBox);

// Every present joint moved into [0, width - 1] x [0, height - 1].
pose::Pose clampedTo(const pose::Pose& pose, ImageSize photo);

}  // namespace marionette::edit
