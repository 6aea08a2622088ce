#pragma once
// The procedural person's skeleton in 3D (internal to core/synth): body proportions of one identity, joint
// angles of one pose, forward kinematics to the COCO-18 joints and an orthographic camera. No tensors here:
// the renderer turns the projected figure into parts.
//
// Body frame: x = the person's left, y = up, z = the direction the person faces; lengths in units of the
// person's height (soles to the top of the head = 1). Camera frame after the body's yaw: X = image right,
// Y = up, Z = towards the camera (larger Z is nearer).
#include "marionette/pose/pose.h"
#include "marionette/synth/random.h"
#include "marionette/util/geometry.h"

#include <array>

namespace marionette::synth::detail {

struct Vec3 {
    double x = 0.0, y = 0.0, z = 0.0;
};
inline Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator*(Vec3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
double dot(Vec3 a, Vec3 b);
Vec3 cross(Vec3 a, Vec3 b);
Vec3 normalised(Vec3 a);
// Rodrigues: `v` rotated by `angle` radians about the unit `axis` (right-handed).
Vec3 rotated(Vec3 v, Vec3 axis, double angle);

// Proportions of one person (an identity keeps them in both poses of a pair).
struct BodyShape {
    double pelvisHeight = 0.53;  // hip joints above the soles
    double neckToPelvis = 0.29;  // shoulder line to hip line
    double shoulderHalfWidth = 0.115;
    double hipHalfWidth = 0.05;  // between the hip joints
    double chestHalfDepth = 0.07;
    double waistHalfWidth = 0.075;
    double pelvisHalfWidth = 0.09;  // outer surface of the hips
    double upperArm = 0.17, forearm = 0.145, hand = 0.055;
    double thigh = 0.245, shin = 0.24, foot = 0.11;
    double neckLength = 0.035;  // shoulder line to the base of the skull
    double headHalfWidth = 0.052, headHalfDepth = 0.062, headHalfHeight = 0.068;
    // Half-thicknesses at the two ends of each segment.
    double upperArmRadius = 0.027, elbowRadius = 0.021, wristRadius = 0.015;
    double thighRadius = 0.05, kneeRadius = 0.031, ankleRadius = 0.021;
    double neckRadius = 0.023;
};

BodyShape sampleBodyShape(Rng& rng);

// One limb's angles (radians). Arms: abduction raises the arm sideways (0 hanging, pi overhead), flexion
// swings it forwards (negative: backwards), bend is the elbow, twist turns the plane the elbow bends in.
// Legs: the same with the knee as bend (bending backwards).
struct LimbAngles {
    double abduction = 0.0, flexion = 0.0, bend = 0.0, twist = 0.0;
};

struct BodyAngles {
    double yaw = 0.0;  // whole body about the vertical; 0 faces the camera, pi shows the back
    double lean = 0.0, sideLean = 0.0, twist = 0.0;  // spine: forwards, sideways, shoulders against hips
    double headYaw = 0.0, headPitch = 0.0, headRoll = 0.0;
    LimbAngles rightArm, leftArm, rightLeg, leftLeg;
};

enum class PoseFamily { Standing, Walking, ArmsRaised, OneArmRaised, HandsOnHips, ArmsForward, WideStance, Free };

// Joint limits used by every sampler (radians); angles outside them are clamped.
BodyAngles clampToLimits(BodyAngles angles);
BodyAngles samplePose(Rng& rng, PoseFamily family, double yaw);
PoseFamily samplePoseFamily(Rng& rng);
// A yaw of one of the usual photo views: front, three-quarter, side or back.
double sampleViewYaw(Rng& rng);

// The posed figure in the camera frame (after the yaw), with the extra points the renderer needs.
struct Figure3d {
    std::array<Vec3, pose::kJointCount> joints{};
    Vec3 pelvis, headCentre, headUp, headForward, headLateral;  // lateral: towards the person's left
    Vec3 rightToe, leftToe, rightHandTip, leftHandTip;
    double shoulderYaw = 0.0, hipYaw = 0.0;         // facing angle of the shoulder and hip lines
    std::array<bool, pose::kJointCount> visible{};  // face points facing away are not visible
    const Vec3& at(pose::JointId j) const { return joints[static_cast<std::size_t>(pose::index(j))]; }
};

Figure3d poseFigure(const BodyShape& shape, const BodyAngles& angles);

// Orthographic camera: image = (centreX + scale * X, groundY - scale * Y), where Y = 0 is the soles of the
// unposed figure.
struct Camera {
    double scale = 200.0;  // pixels per unit of body height
    double offsetX = 88.0;
    double groundY = 240.0;
    Point2 project(Vec3 p) const {
        return {static_cast<float>(offsetX + scale * p.x), static_cast<float>(groundY - scale * p.y)};
    }
};

// The camera that fits the figure in a width x height canvas: `preferredScale` (pixels per unit of height)
// unless the pose needs less, the figure's box centred horizontally with a shift of `shift` (-1..1) times
// the free space, its lowest point `bottomMargin` pixels above the bottom edge.
Camera fitCamera(const Figure3d& figure, const BodyShape& shape, int width, int height, double preferredScale,
                 double shift, double bottomMargin);

// The COCO-18 skeleton seen by `camera`; face points that face away are absent, as OpenPose reports them.
pose::Pose projectPose(const Figure3d& figure, const Camera& camera);

}  // namespace marionette::synth::detail
