#pragma once
// OpenPose JSON (`{"people": [{"pose_keypoints_2d": [x0, y0, c0, x1, ...]}]}`), the exchange format of pose
// tools. Reads COCO-18 (54 values) and BODY_25 (75 values, mapped to COCO-18); writes COCO-18. A joint with
// confidence 0 is absent, as in OpenPose.
#include "marionette/pose/pose.h"

#include <string>

namespace marionette::pose {

// Largest OpenPose JSON file accepted (one image's people; real files are a few kB).
constexpr std::size_t kMaxPoseJsonBytes = 16u << 20;

People parseOpenPoseJson(const std::string& text, const std::string& sourceName);
People readOpenPoseJson(const std::string& path);

std::string toOpenPoseJson(const People& people);
void writeOpenPoseJson(const std::string& path, const People& people);  // atomic

// BODY_25 index of each COCO-18 joint (BODY_25 adds mid-hip and six foot points, dropped here).
int body25IndexOf(JointId joint);

}  // namespace marionette::pose
