#pragma once
// The 17 keypoints of COCO, the output order of MoveNet (and most body-keypoint networks), expressed as the
// project's COCO-18 joints (core/pose/skeleton.h). COCO has no neck: COCO-18's neck is the midpoint of the
// shoulders.
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <array>

namespace marionette::detect {

constexpr int kCocoKeypointCount = 17;

// COCO keypoint k is joint cocoKeypointJoints()[k] (nose, left eye, right eye, left ear, right ear, left
// shoulder, right shoulder, ...).
const std::array<pose::JointId, kCocoKeypointCount>& cocoKeypointJoints();

struct ScoredPoint {
    Point2 position;  // pixels of the photo
    float score = 0.f;
};
using CocoKeypoints = std::array<ScoredPoint, kCocoKeypointCount>;

const ScoredPoint& keypointOf(const CocoKeypoints& keypoints, pose::JointId joint);  // throws for the neck

// COCO-18 pose: each keypoint scoring at least minScore and lying in the photo becomes a joint with its score
// as confidence (a network may place a joint it guesses beyond the photo's edge: such a joint is left out);
// the neck is the midpoint of the shoulders when both are present, with the lower of their scores.
pose::Pose cocoToPose(const CocoKeypoints& keypoints, float minScore, ImageSize photo);

}  // namespace marionette::detect
