#pragma once
// The body as the mesh warp sees it: six parts, each a layer with its own mesh, moved by the COCO-18 limbs
// that belong to it (pose/skeleton.h defines the limbs; this file only groups them). Parts are drawn back to
// front, so an arm can pass in front of or behind the trunk. The head is a part of its own so that turning
// it (nose, eyes, ears) turns the head about the neck instead of bending the whole trunk.
#include "marionette/pose/skeleton.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace marionette::deform {

enum class BodyPart : int { Trunk = 0, RightArm, LeftArm, RightLeg, LeftLeg, Head };
constexpr int kBodyPartCount = 6;

constexpr int index(BodyPart p) { return static_cast<int>(p); }
constexpr BodyPart bodyPartAt(int i) { return static_cast<BodyPart>(i); }

// "right_arm": the identifier in edit documents and on the command line.
const char* bodyPartKey(BodyPart part);
// "Right arm": for people.
const char* bodyPartLabel(BodyPart part);
std::optional<BodyPart> bodyPartFromKey(const std::string& key);

// A bone that moves a part's pixels: a COCO-18 limb, or a strut the trunk adds between the hips so that its
// lower edge is held as well as its centre line.
struct Bone {
    pose::JointId from;
    pose::JointId to;
    BodyPart part;
};
// Every bone, limbs first in pose::limbs() order, then the struts.
const std::vector<Bone>& bones();

// The part a joint belongs to when it is dragged (a wrist: its arm; a shoulder: the trunk; an ear: the head).
BodyPart partOfJoint(pose::JointId joint);
// The limbs, whose depth the user may choose; the trunk is the reference layer and the head always lies on it.
bool isLimb(BodyPart part);

// Where a part is drawn relative to the trunk. Auto: limbs the edit moved in front, the others in the order
// they overlap the trunk in the photo (in front where they cover it).
enum class Depth { Auto, Front, Behind };
const char* toString(Depth depth);  // "auto", "front", "behind"
std::optional<Depth> depthFromString(const std::string& text);

// The user's choice per limb (the trunk's and the head's entries are ignored).
struct DepthOrder {
    std::array<Depth, kBodyPartCount> choice{};  // all Auto

    Depth of(BodyPart part) const { return choice[static_cast<std::size_t>(index(part))]; }
    void set(BodyPart part, Depth depth) { choice[static_cast<std::size_t>(index(part))] = depth; }
    bool isAuto() const;
    bool operator==(const DepthOrder& other) const { return choice == other.choice; }
};

// "right_arm=front,left_leg=behind" (parts left out are auto); throws marionette::Error naming what is wrong.
DepthOrder parseDepthOrder(const std::string& text);
std::string toString(const DepthOrder& order);

}  // namespace marionette::deform
