#pragma once
// The COCO-18 skeleton of OpenPose, defined once. Everything that needs joint names, limbs, mirror pairs or
// colours reads them from here: the heatmap renderer, the file readers, the editor, the trainer's flip.
#include "marionette/util/rgb.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace marionette::pose {

// OpenPose COCO-18 order; the channel order of the body semantics tensor (docs/model.md).
enum class JointId : int {
    Nose = 0,
    Neck,
    RightShoulder,
    RightElbow,
    RightWrist,
    LeftShoulder,
    LeftElbow,
    LeftWrist,
    RightHip,
    RightKnee,
    RightAnkle,
    LeftHip,
    LeftKnee,
    LeftAnkle,
    RightEye,
    LeftEye,
    RightEar,
    LeftEar,
};

constexpr int kJointCount = 18;
constexpr int kLimbCount = 17;

constexpr int index(JointId j) { return static_cast<int>(j); }
constexpr JointId jointAt(int i) { return static_cast<JointId>(i); }

// A bone from a parent joint to a child joint. The 17 limbs form a tree rooted at the neck.
struct Limb {
    JointId parent;
    JointId child;
};

const std::array<Limb, kLimbCount>& limbs();

// "right_wrist": the stable identifier used in files and presets.
const char* jointKey(JointId joint);
// "Right wrist": for people (undo history, tooltips).
const char* jointLabel(JointId joint);
std::optional<JointId> jointFromKey(const std::string& key);

// The joint on the other side of the body (left <-> right); nose and neck are their own mirror.
JointId mirrorOf(JointId joint);
// The parent of a joint in the limb tree; the neck has none.
std::optional<JointId> parentOf(JointId joint);
// OpenPose's colour for a joint (also the colour of the limb ending at it).
Rgb jointColour(JointId joint);
// The 18 joint colours in channel order, for drawing heatmaps.
std::vector<Rgb> jointColours();

}  // namespace marionette::pose
