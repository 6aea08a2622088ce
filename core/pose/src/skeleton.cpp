#include "marionette/pose/skeleton.h"

namespace marionette::pose {
namespace {

struct JointInfo {
    const char* key;
    const char* label;
    JointId mirror;
    Rgb colour;  // OpenPose's COCO palette
};

using J = JointId;
constexpr std::array<JointInfo, kJointCount> kJoints{{
    {"nose", "Nose", J::Nose, {255, 0, 0}},
    {"neck", "Neck", J::Neck, {255, 85, 0}},
    {"right_shoulder", "Right shoulder", J::LeftShoulder, {255, 170, 0}},
    {"right_elbow", "Right elbow", J::LeftElbow, {255, 255, 0}},
    {"right_wrist", "Right wrist", J::LeftWrist, {170, 255, 0}},
    {"left_shoulder", "Left shoulder", J::RightShoulder, {85, 255, 0}},
    {"left_elbow", "Left elbow", J::RightElbow, {0, 255, 0}},
    {"left_wrist", "Left wrist", J::RightWrist, {0, 255, 85}},
    {"right_hip", "Right hip", J::LeftHip, {0, 255, 170}},
    {"right_knee", "Right knee", J::LeftKnee, {0, 255, 255}},
    {"right_ankle", "Right ankle", J::LeftAnkle, {0, 170, 255}},
    {"left_hip", "Left hip", J::RightHip, {0, 85, 255}},
    {"left_knee", "Left knee", J::RightKnee, {0, 0, 255}},
    {"left_ankle", "Left ankle", J::RightAnkle, {85, 0, 255}},
    {"right_eye", "Right eye", J::LeftEye, {170, 0, 255}},
    {"left_eye", "Left eye", J::RightEye, {255, 0, 255}},
    {"right_ear", "Right ear", J::LeftEar, {255, 0, 170}},
    {"left_ear", "Left ear", J::RightEar, {255, 0, 85}},
}};

constexpr std::array<Limb, kLimbCount> kLimbs{{
    {J::Neck, J::RightShoulder},
    {J::RightShoulder, J::RightElbow},
    {J::RightElbow, J::RightWrist},
    {J::Neck, J::LeftShoulder},
    {J::LeftShoulder, J::LeftElbow},
    {J::LeftElbow, J::LeftWrist},
    {J::Neck, J::RightHip},
    {J::RightHip, J::RightKnee},
    {J::RightKnee, J::RightAnkle},
    {J::Neck, J::LeftHip},
    {J::LeftHip, J::LeftKnee},
    {J::LeftKnee, J::LeftAnkle},
    {J::Neck, J::Nose},
    {J::Nose, J::RightEye},
    {J::RightEye, J::RightEar},
    {J::Nose, J::LeftEye},
    {J::LeftEye, J::LeftEar},
}};

}  // namespace

const std::array<Limb, kLimbCount>& limbs() { return kLimbs; }

const char* jointKey(JointId joint) { return kJoints.at(static_cast<std::size_t>(index(joint))).key; }
const char* jointLabel(JointId joint) { return kJoints.at(static_cast<std::size_t>(index(joint))).label; }
JointId mirrorOf(JointId joint) { return kJoints.at(static_cast<std::size_t>(index(joint))).mirror; }
Rgb jointColour(JointId joint) { return kJoints.at(static_cast<std::size_t>(index(joint))).colour; }

std::vector<Rgb> jointColours() {
    std::vector<Rgb> out;
    for (const auto& j : kJoints) out.push_back(j.colour);
    return out;
}

std::optional<JointId> jointFromKey(const std::string& key) {
    for (int i = 0; i < kJointCount; ++i) {
        if (key == kJoints[static_cast<std::size_t>(i)].key) return jointAt(i);
    }
    return std::nullopt;
}

std::optional<JointId> parentOf(JointId joint) {
    for (const Limb& limb : kLimbs) {
        if (limb.child == joint) return limb.parent;
    }
    return std::nullopt;
}

}  // namespace marionette::pose
