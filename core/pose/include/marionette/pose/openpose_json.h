#pragma once
// OpenPose JSON (`{"people": [{"pose_keypoints_2d": [x0, y0, c0, x1, ...]}]}`), the exchange format of pose
// tools. Reads COCO-18 (54 values) and BODY_25 (75 values, mapped to COCO-18); writes COCO-18. A joint with
// confidence 0 is absent, as in OpenPose.
#include "marionette/pose/pose.h"

#include <string>
#include <vector>

namespace marionette::pose {

// Largest OpenPose JSON file accepted (one image's people; real files are a few kB).
constexpr std::size_t kMaxPoseJsonBytes = 16u << 20;

People parseOpenPoseJson(const std::string& text, const std::string& sourceName);
People readOpenPoseJson(const std::string& path);

std::string toOpenPoseJson(const People& people);
void writeOpenPoseJson(const std::string& path, const People& people);  // atomic

// A photo's skeleton file beside it: <photo>.pose.json (what the detector writes), read before OpenPose's own
// <stem>_keypoints.json.
inline constexpr const char* kPoseFileSuffix = ".pose.json";
// The skeleton files a photo may have beside it, in the order they are read.
std::vector<std::string> poseFileCandidates(const std::string& photoPath);

// BODY_25 index of each COCO-18 joint (BODY_25 adds mid-hip and six foot points, dropped here).
int body25IndexOf(JointId joint);

}  // namespace marionette::pose
