#include "figure.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace marionette::synth::detail {

using pose::JointId;

double dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 cross(Vec3 a, Vec3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
Vec3 normalised(Vec3 a) {
    const double n = std::sqrt(dot(a, a));
    return n > 0.0 ? a * (1.0 / n) : Vec3{0.0, 1.0, 0.0};
}
Vec3 rotated(Vec3 v, Vec3 axis, double angle) {
    const double c = std::cos(angle), s = std::sin(angle);
    return v * c + cross(axis, v) * s + axis * (dot(axis, v) * (1.0 - c));
}

namespace {

const Vec3 kX{1, 0, 0}, kY{0, 1, 0}, kZ{0, 0, 1};

double clampDeg(double v, double lowDeg, double highDeg) { return std::clamp(v, radians(lowDeg), radians(highDeg)); }

// An orthonormal frame: columns x, y, z expressed in its parent frame.
struct Basis {
    Vec3 x = kX, y = kY, z = kZ;
    Vec3 toParent(Vec3 v) const { return x * v.x + y * v.y + z * v.z; }
    Basis rotatedAbout(Vec3 axis, double angle) const {
        return {rotated(x, axis, angle), rotated(y, axis, angle), rotated(z, axis, angle)};
    }
};

// Direction of a limb's upper segment and the axis its middle joint bends about, in the frame of the torso
// (arms) or pelvis (legs). `side` is +1 for the left limb, -1 for the right.
struct LimbDirections {
    Vec3 upper, lower;
};
LimbDirections limbDirections(const LimbAngles& a, double side, bool leg) {
    const Vec3 down{0, -1, 0};
    Vec3 upper = rotated(down, kZ, side * a.abduction);
    Vec3 lateral = rotated(kX, kZ, side * a.abduction);
    upper = rotated(upper, kX, -a.flexion);
    lateral = rotated(lateral, kX, -a.flexion);
    lateral = rotated(lateral, upper, side * a.twist);
    // Elbows bend forwards, knees backwards.
    const Vec3 lower = rotated(upper, lateral, leg ? a.bend : -a.bend);
    return {upper, lower};
}

Vec3& joint(Figure3d& f, JointId j) { return f.joints[static_cast<std::size_t>(pose::index(j))]; }

}  // namespace

BodyShape sampleBodyShape(Rng& rng) {
    BodyShape s;
    // Build from slim to broad, and shoulders against hips (a rough masculine/feminine axis).
    const double build = rng.uniform(-1.0, 1.0);
    const double frame = rng.uniform(-1.0, 1.0);
    const double girth = 1.0 + 0.14 * build;
    s.shoulderHalfWidth = 0.112 + 0.012 * frame + 0.004 * build;
    s.hipHalfWidth = 0.05 - 0.004 * frame;
    s.pelvisHalfWidth = (0.088 - 0.01 * frame) * (0.92 + 0.1 * girth);
    s.waistHalfWidth = (0.072 - 0.006 * frame) * girth;
    s.chestHalfDepth = 0.066 * girth;
    const double legRatio = rng.uniform(-0.015, 0.015);  // longer legs, shorter trunk
    s.pelvisHeight = 0.53 + legRatio;
    s.neckToPelvis = 0.29 - legRatio;
    s.thigh = 0.245 + legRatio * 0.5;
    s.shin = 0.24 + legRatio * 0.5;
    const double armRatio = rng.uniform(-0.01, 0.01);
    s.upperArm = 0.17 + armRatio;
    s.forearm = 0.145 + armRatio * 0.8;
    const double headScale = rng.uniform(0.95, 1.08);
    s.headHalfWidth = 0.052 * headScale * rng.uniform(0.95, 1.05);
    s.headHalfDepth = 0.062 * headScale;
    s.headHalfHeight = 0.068 * headScale;
    s.neckLength = rng.uniform(0.03, 0.042);
    s.upperArmRadius *= girth;
    s.elbowRadius *= girth;
    s.wristRadius *= 0.5 + 0.5 * girth;
    s.thighRadius *= girth;
    s.kneeRadius *= 0.5 + 0.5 * girth;
    s.ankleRadius *= 0.6 + 0.4 * girth;
    s.neckRadius *= 0.7 + 0.3 * girth;
    return s;
}

BodyAngles clampToLimits(BodyAngles a) {
    for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) {
        arm->abduction = clampDeg(arm->abduction, -10, 178);
        arm->flexion = clampDeg(arm->flexion, -60, 165);
        arm->bend = clampDeg(arm->bend, 0, 150);
        arm->twist = clampDeg(arm->twist, -100, 100);
    }
    for (LimbAngles* leg : {&a.rightLeg, &a.leftLeg}) {
        leg->abduction = clampDeg(leg->abduction, -12, 50);
        leg->flexion = clampDeg(leg->flexion, -35, 110);
        leg->bend = clampDeg(leg->bend, 0, 135);
        leg->twist = clampDeg(leg->twist, -25, 25);
    }
    a.lean = clampDeg(a.lean, -15, 30);
    a.sideLean = clampDeg(a.sideLean, -15, 15);
    a.twist = clampDeg(a.twist, -40, 40);
    a.headYaw = clampDeg(a.headYaw, -70, 70);
    a.headPitch = clampDeg(a.headPitch, -30, 30);
    a.headRoll = clampDeg(a.headRoll, -25, 25);
    return a;
}

PoseFamily samplePoseFamily(Rng& rng) {
    static const std::vector<double> weights{0.2, 0.2, 0.1, 0.12, 0.08, 0.1, 0.08, 0.12};
    return static_cast<PoseFamily>(rng.weighted(weights));
}

double sampleViewYaw(Rng& rng) {
    const double side = rng.chance(0.5) ? 1.0 : -1.0;
    switch (rng.weighted({0.42, 0.26, 0.12, 0.20})) {
        case 0:
            return radians(rng.normal(0.0, 10.0));
        case 1:
            return side * radians(rng.uniform(25.0, 55.0));
        case 2:
            return side * radians(rng.uniform(65.0, 100.0));
        default:
            return kPi + radians(rng.normal(0.0, 15.0));
    }
}

BodyAngles samplePose(Rng& rng, PoseFamily family, double yaw) {
    auto u = [&](double lowDeg, double highDeg) { return radians(rng.uniform(lowDeg, highDeg)); };
    BodyAngles a;
    a.yaw = yaw;
    a.lean = u(-4, 8);
    a.sideLean = u(-5, 5);
    a.twist = u(-12, 12);
    a.headYaw = rng.chance(0.6) ? u(-15, 15) : u(-50, 50);
    a.headPitch = u(-12, 12);
    a.headRoll = u(-8, 8);

    auto standArm = [&](LimbAngles& arm) {
        arm.abduction = u(4, 20);
        arm.flexion = u(-10, 15);
        arm.bend = u(0, 25);
        arm.twist = u(-20, 20);
    };
    auto standLeg = [&](LimbAngles& leg) {
        leg.abduction = u(0, 8);
        leg.flexion = u(-5, 8);
        leg.bend = u(0, 8);
        leg.twist = u(-8, 8);
    };
    for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) standArm(*arm);
    for (LimbAngles* leg : {&a.rightLeg, &a.leftLeg}) standLeg(*leg);
    LimbAngles& oneArm = rng.chance(0.5) ? a.rightArm : a.leftArm;

    switch (family) {
        case PoseFamily::Standing:
            break;
        case PoseFamily::Walking: {
            const double stride = u(15, 35);
            const double sign = rng.chance(0.5) ? 1.0 : -1.0;
            a.rightLeg.flexion = sign * stride;
            a.leftLeg.flexion = -sign * stride;
            for (LimbAngles* leg : {&a.rightLeg, &a.leftLeg}) leg->bend = leg->flexion < 0 ? u(15, 45) : u(0, 15);
            a.rightArm.flexion = -sign * stride * rng.uniform(0.6, 1.2);
            a.leftArm.flexion = sign * stride * rng.uniform(0.6, 1.2);
            for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) arm->bend = u(10, 45);
            break;
        }
        case PoseFamily::ArmsRaised:
            for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) {
                arm->abduction = u(100, 175);
                arm->flexion = u(-15, 30);
                arm->bend = u(0, 60);
                arm->twist = u(-60, 60);
            }
            break;
        case PoseFamily::OneArmRaised:
            oneArm.abduction = u(70, 170);
            oneArm.flexion = u(-10, 40);
            oneArm.bend = u(20, 120);
            oneArm.twist = u(-90, 30);
            break;
        case PoseFamily::HandsOnHips:
            for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) {
                if (arm == &oneArm && rng.chance(0.3)) continue;  // sometimes only one hand
                arm->abduction = u(35, 55);
                arm->flexion = u(-25, 0);
                arm->bend = u(90, 125);
                arm->twist = u(75, 95);
            }
            break;
        case PoseFamily::ArmsForward:
            for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) {
                if (arm == &oneArm && rng.chance(0.4)) continue;
                arm->abduction = u(0, 30);
                arm->flexion = u(30, 100);
                arm->bend = u(30, 130);
                arm->twist = u(-60, 60);
            }
            break;
        case PoseFamily::WideStance:
            for (LimbAngles* leg : {&a.rightLeg, &a.leftLeg}) {
                leg->abduction = u(10, 28);
                leg->bend = u(0, 20);
            }
            for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) {
                arm->abduction = u(20, 130);
                arm->bend = u(0, 50);
            }
            break;
        case PoseFamily::Free:
            for (LimbAngles* arm : {&a.rightArm, &a.leftArm}) {
                arm->abduction = u(0, 170);
                arm->flexion = u(-40, 120);
                arm->bend = u(0, 140);
                arm->twist = u(-90, 90);
            }
            for (LimbAngles* leg : {&a.rightLeg, &a.leftLeg}) {
                leg->abduction = u(-5, 30);
                leg->flexion = u(-20, 60);
                leg->bend = radians(rng.uniform(0.0, std::max(20.0, leg->flexion * 180.0 / kPi + 40.0)));
            }
            // Keep one foot on the ground.
            (rng.chance(0.5) ? a.rightLeg : a.leftLeg).flexion = u(-8, 8);
            break;
    }
    return clampToLimits(a);
}

Figure3d poseFigure(const BodyShape& s, const BodyAngles& a) {
    Figure3d f;
    const Vec3 pelvis{0, s.pelvisHeight, 0};
    // Torso frame: twist about the spine, then lean forwards and sideways.
    Basis torso = Basis{}.rotatedAbout(kY, a.twist).rotatedAbout(kX, a.lean).rotatedAbout(kZ, -a.sideLean);
    const Vec3 neck = pelvis + torso.y * s.neckToPelvis;

    joint(f, JointId::Neck) = neck;
    joint(f, JointId::RightShoulder) = neck - torso.x * s.shoulderHalfWidth;
    joint(f, JointId::LeftShoulder) = neck + torso.x * s.shoulderHalfWidth;
    joint(f, JointId::RightHip) = pelvis - kX * s.hipHalfWidth;
    joint(f, JointId::LeftHip) = pelvis + kX * s.hipHalfWidth;

    struct ArmJoints {
        JointId shoulder, elbow, wrist;
        const LimbAngles* angles;
        double side;
        Vec3* tip;
    };
    for (const ArmJoints& arm :
         {ArmJoints{JointId::RightShoulder, JointId::RightElbow, JointId::RightWrist, &a.rightArm, -1.0,
                    &f.rightHandTip},
          ArmJoints{JointId::LeftShoulder, JointId::LeftElbow, JointId::LeftWrist, &a.leftArm, 1.0, &f.leftHandTip}}) {
        const LimbDirections d = limbDirections(*arm.angles, arm.side, false);
        const Vec3 upper = torso.toParent(d.upper), lower = torso.toParent(d.lower);
        joint(f, arm.elbow) = joint(f, arm.shoulder) + upper * s.upperArm;
        joint(f, arm.wrist) = joint(f, arm.elbow) + lower * s.forearm;
        *arm.tip = joint(f, arm.wrist) + lower * s.hand;
    }
    struct LegJoints {
        JointId hip, knee, ankle;
        const LimbAngles* angles;
        double side;
        Vec3* toe;
    };
    for (const LegJoints& leg :
         {LegJoints{JointId::RightHip, JointId::RightKnee, JointId::RightAnkle, &a.rightLeg, -1.0, &f.rightToe},
          LegJoints{JointId::LeftHip, JointId::LeftKnee, JointId::LeftAnkle, &a.leftLeg, 1.0, &f.leftToe}}) {
        const LimbDirections d = limbDirections(*leg.angles, leg.side, true);
        joint(f, leg.knee) = joint(f, leg.hip) + d.upper * s.thigh;
        joint(f, leg.ankle) = joint(f, leg.knee) + d.lower * s.shin;
        // Toes point forwards and a little outwards, the sole flat on the ground.
        const Vec3 footDirection = rotated(kZ, kY, leg.side * (radians(10.0) + leg.angles->twist));
        *leg.toe = joint(f, leg.ankle) + footDirection * s.foot + Vec3{0, -0.03, 0};
    }

    // Head frame: turn, nod and tilt relative to the torso.
    Basis head = torso.rotatedAbout(torso.y, a.headYaw);
    head = head.rotatedAbout(head.x, -a.headPitch).rotatedAbout(head.z, -a.headRoll);
    const Vec3 skullBase = neck + torso.y * s.neckLength;
    f.headCentre = skullBase + head.y * (s.headHalfHeight * 0.8) + head.z * (s.headHalfDepth * 0.15);
    f.headUp = head.y;
    f.headForward = head.z;
    f.headLateral = head.x;
    joint(f, JointId::Nose) = f.headCentre + head.z * (s.headHalfDepth * 0.98) - head.y * (s.headHalfHeight * 0.15);
    for (double side : {-1.0, 1.0}) {
        const Vec3 eye = f.headCentre + head.z * (s.headHalfDepth * 0.8) + head.y * (s.headHalfHeight * 0.1) +
                         head.x * (side * s.headHalfWidth * 0.42);
        const Vec3 ear = f.headCentre + head.x * (side * s.headHalfWidth * 0.98) - head.z * (s.headHalfDepth * 0.12);
        joint(f, side < 0 ? JointId::RightEye : JointId::LeftEye) = eye;
        joint(f, side < 0 ? JointId::RightEar : JointId::LeftEar) = ear;
    }
    f.pelvis = pelvis;

    // The whole body turns about the vertical through the pelvis.
    auto turn = [&](Vec3 v) { return rotated(v, kY, a.yaw); };
    for (Vec3& j : f.joints) j = turn(j);
    for (Vec3* v : {&f.pelvis, &f.headCentre, &f.headUp, &f.headForward, &f.headLateral, &f.rightToe, &f.leftToe,
                    &f.rightHandTip, &f.leftHandTip})
        *v = turn(*v);
    f.shoulderYaw = a.yaw + a.twist;
    f.hipYaw = a.yaw;

    // Visibility of the face points, as a detector reports them.
    f.visible.fill(true);
    auto visibleIf = [&](JointId j, Vec3 normal, double threshold) {
        f.visible[static_cast<std::size_t>(pose::index(j))] = normalised(normal).z > threshold;
    };
    visibleIf(JointId::Nose, f.headForward, -0.1);
    visibleIf(JointId::RightEye, f.headForward * 0.8 - f.headLateral * 0.6, 0.05);
    visibleIf(JointId::LeftEye, f.headForward * 0.8 + f.headLateral * 0.6, 0.05);
    visibleIf(JointId::RightEar, f.headLateral * -0.9 - f.headForward * 0.3, -0.3);
    visibleIf(JointId::LeftEar, f.headLateral * 0.9 - f.headForward * 0.3, -0.3);
    return f;
}

namespace {

// Points (with a radius) that bound the drawn figure.
template <typename F>
void forEachExtent(const Figure3d& f, const BodyShape& s, F&& visit) {
    for (int j = 0; j < pose::kJointCount; ++j) visit(f.joints[static_cast<std::size_t>(j)], s.thighRadius);
    visit(f.headCentre, std::max(s.headHalfHeight, s.headHalfDepth) * 1.2);
    for (const Vec3& p : {f.rightHandTip, f.leftHandTip}) visit(p, s.wristRadius * 1.5);
    for (const Vec3& p : {f.rightToe, f.leftToe}) visit(p, s.ankleRadius * 1.5);
}

}  // namespace

Camera fitCamera(const Figure3d& f, const BodyShape& s, int width, int height, double preferredScale, double shift,
                 double bottomMargin) {
    double minX = std::numeric_limits<double>::max(), maxX = -minX, minY = minX, maxY = -minX;
    forEachExtent(f, s, [&](Vec3 p, double r) {
        minX = std::min(minX, p.x - r);
        maxX = std::max(maxX, p.x + r);
        minY = std::min(minY, p.y - r);
        maxY = std::max(maxY, p.y + r);
    });
    const double topMargin = 4.0, sideMargin = 3.0;
    const double usableHeight = height - topMargin - bottomMargin;
    const double usableWidth = width - 2.0 * sideMargin;
    Camera c;
    c.scale = std::min({preferredScale, usableHeight / (maxY - minY), usableWidth / (maxX - minX)});
    c.groundY = height - bottomMargin + c.scale * minY;
    const double freeWidth = usableWidth - c.scale * (maxX - minX);
    c.offsetX = width / 2.0 - c.scale * (minX + maxX) / 2.0 + std::clamp(shift, -1.0, 1.0) * freeWidth / 2.0;
    return c;
}

pose::Pose projectPose(const Figure3d& f, const Camera& camera) {
    pose::Pose p;
    for (int j = 0; j < pose::kJointCount; ++j) {
        if (!f.visible[static_cast<std::size_t>(j)]) continue;
        const Point2 q = camera.project(f.joints[static_cast<std::size_t>(j)]);
        p.set(pose::jointAt(j), q.x, q.y);
    }
    return p;
}

}  // namespace marionette::synth::detail
