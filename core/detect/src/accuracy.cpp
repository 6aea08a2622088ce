#include "marionette/detect/accuracy.h"

#include "marionette/util/error.h"

#include <cmath>

namespace marionette::detect {

using pose::JointId;

namespace {
double distance(Point2 a, Point2 b) { return std::hypot(double(a.x) - b.x, double(a.y) - b.y); }
}  // namespace

std::optional<double> torsoSize(const pose::Pose& truth) {
    for (const auto& [shoulder, hip] :
         {std::pair{JointId::LeftShoulder, JointId::RightHip}, std::pair{JointId::RightShoulder, JointId::LeftHip}}) {
        if (truth.has(shoulder) && truth.has(hip)) return distance(truth.at(shoulder).position, truth.at(hip).position);
    }
    return std::nullopt;
}

PckResult pck(const pose::Pose& detected, const pose::Pose& truth, double fraction) {
    const auto torso = torsoSize(truth);
    if (!torso) throw Error("PCK needs a marked pose with a shoulder and the opposite hip");
    PckResult result;
    result.threshold = fraction * *torso;
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto marked = truth.find(pose::jointAt(j));
        if (!marked) continue;
        ++result.compared;
        const auto found = detected.find(pose::jointAt(j));
        if (found && distance(found->position, marked->position) <= result.threshold) ++result.correct;
    }
    return result;
}

}  // namespace marionette::detect
