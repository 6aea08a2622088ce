#include "marionette/detect/coco_keypoints.h"

#include "marionette/util/error.h"

#include <algorithm>

namespace marionette::detect {

using pose::JointId;

const std::array<JointId, kCocoKeypointCount>& cocoKeypointJoints() {
    static const std::array<JointId, kCocoKeypointCount> order{
        JointId::Nose,         JointId::LeftEye,       JointId::RightEye,  JointId::LeftEar,    JointId::RightEar,
        JointId::LeftShoulder, JointId::RightShoulder, JointId::LeftElbow, JointId::RightElbow, JointId::LeftWrist,
        JointId::RightWrist,   JointId::LeftHip,       JointId::RightHip,  JointId::LeftKnee,   JointId::RightKnee,
        JointId::LeftAnkle,    JointId::RightAnkle};
    return order;
}

const ScoredPoint& keypointOf(const CocoKeypoints& keypoints, JointId joint) {
    const auto& order = cocoKeypointJoints();
    const auto it = std::find(order.begin(), order.end(), joint);
    if (it == order.end()) throw Error(std::string("COCO's 17 keypoints have no ") + pose::jointLabel(joint));
    return keypoints[static_cast<std::size_t>(it - order.begin())];
}

pose::Pose cocoToPose(const CocoKeypoints& keypoints, float minScore, ImageSize photo) {
    // Pixel centres run from 0 to size - 1; the photo's edge lies half a pixel further out.
    const auto inside = [&](Point2 p) {
        return isFinite(p) && p.x >= -0.5f && p.y >= -0.5f && p.x <= photo.width - 0.5f && p.y <= photo.height - 0.5f;
    };
    pose::Pose result;
    const auto& order = cocoKeypointJoints();
    for (std::size_t k = 0; k < order.size(); ++k) {
        const ScoredPoint& p = keypoints[k];
        if (p.score < minScore || !inside(p.position)) continue;
        const Point2 clamped{std::clamp(p.position.x, 0.f, photo.width - 1.f),
                             std::clamp(p.position.y, 0.f, photo.height - 1.f)};
        result.set(order[k], {clamped, p.score});
    }
    if (result.has(JointId::LeftShoulder) && result.has(JointId::RightShoulder)) {
        const auto& left = result.at(JointId::LeftShoulder);
        const auto& right = result.at(JointId::RightShoulder);
        result.set(JointId::Neck, {{(left.position.x + right.position.x) / 2, (left.position.y + right.position.y) / 2},
                                   std::min(left.confidence, right.confidence)});
    }
    return result;
}

}  // namespace marionette::detect
