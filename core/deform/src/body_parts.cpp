#include "marionette/deform/body_parts.h"

#include "marionette/util/error.h"
#include "marionette/util/text.h"

namespace marionette::deform {
namespace {

struct PartInfo {
    const char* key;
    const char* label;
};
constexpr std::array<PartInfo, kBodyPartCount> kParts{{
    {"trunk", "Trunk"},
    {"right_arm", "Right arm"},
    {"left_arm", "Left arm"},
    {"right_leg", "Right leg"},
    {"left_leg", "Left leg"},
    {"head", "Head"},
}};

BodyPart partOfLimbChild(pose::JointId child) {
    using J = pose::JointId;
    switch (child) {
        case J::RightElbow:
        case J::RightWrist:
            return BodyPart::RightArm;
        case J::LeftElbow:
        case J::LeftWrist:
            return BodyPart::LeftArm;
        case J::RightKnee:
        case J::RightAnkle:
            return BodyPart::RightLeg;
        case J::LeftKnee:
        case J::LeftAnkle:
            return BodyPart::LeftLeg;
        case J::Nose:
        case J::RightEye:
        case J::LeftEye:
        case J::RightEar:
        case J::LeftEar:
            return BodyPart::Head;
        default:
            return BodyPart::Trunk;
    }
}

}  // namespace

const char* bodyPartKey(BodyPart part) { return kParts.at(static_cast<std::size_t>(index(part))).key; }
const char* bodyPartLabel(BodyPart part) { return kParts.at(static_cast<std::size_t>(index(part))).label; }

std::optional<BodyPart> bodyPartFromKey(const std::string& key) {
    for (int i = 0; i < kBodyPartCount; ++i) {
        if (key == kParts[static_cast<std::size_t>(i)].key) return bodyPartAt(i);
    }
    return std::nullopt;
}

const std::vector<Bone>& bones() {
    static const std::vector<Bone> all = [] {
        std::vector<Bone> out;
        for (const pose::Limb& limb : pose::limbs())
            out.push_back({limb.parent, limb.child, partOfLimbChild(limb.child)});
        // The trunk's limbs all leave the neck: a strut between the hips holds its lower edge too.
        out.push_back({pose::JointId::RightHip, pose::JointId::LeftHip, BodyPart::Trunk});
        return out;
    }();
    return all;
}

BodyPart partOfJoint(pose::JointId joint) { return partOfLimbChild(joint); }

bool isLimb(BodyPart part) { return part != BodyPart::Trunk && part != BodyPart::Head; }

const char* toString(Depth depth) {
    switch (depth) {
        case Depth::Front:
            return "front";
        case Depth::Behind:
            return "behind";
        case Depth::Auto:
            break;
    }
    return "auto";
}

std::optional<Depth> depthFromString(const std::string& text) {
    if (text == "auto") return Depth::Auto;
    if (text == "front") return Depth::Front;
    if (text == "behind") return Depth::Behind;
    return std::nullopt;
}

bool DepthOrder::isAuto() const {
    for (Depth d : choice) {
        if (d != Depth::Auto) return false;
    }
    return true;
}

DepthOrder parseDepthOrder(const std::string& text) {
    DepthOrder order;
    if (text.empty()) return order;
    for (const std::string& item : splitText(text, ",")) {
        const auto equals = item.find('=');
        if (equals == std::string::npos)
            throw Error("depth order: \"" + item + "\" is not PART=front|behind|auto (e.g. right_arm=behind)");
        const std::string key = item.substr(0, equals);
        const auto part = bodyPartFromKey(key);
        if (!part || !isLimb(*part))
            throw Error("depth order: \"" + key + "\" is not a limb (right_arm, left_arm, right_leg, left_leg)");
        const auto depth = depthFromString(item.substr(equals + 1));
        if (!depth) throw Error("depth order: \"" + item.substr(equals + 1) + "\" is not front, behind or auto");
        order.set(*part, *depth);
    }
    return order;
}

std::string toString(const DepthOrder& order) {
    std::string out;
    for (int i = 0; i < kBodyPartCount; ++i) {
        const Depth d = order.of(bodyPartAt(i));
        if (d == Depth::Auto || !isLimb(bodyPartAt(i))) continue;
        if (!out.empty()) out += ',';
        out += std::string(bodyPartKey(bodyPartAt(i))) + '=' + toString(d);
    }
    return out;
}

}  // namespace marionette::deform
