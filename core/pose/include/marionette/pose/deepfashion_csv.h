#pragma once
// DeepFashion In-shop annotation files as used by the pose-transfer literature:
//   keypoints: header "name:keypoints_y:keypoints_x", rows "img.jpg: [y0, ..., y17]: [x0, ..., x17]",
//              COCO-18 order, -1 for a missing joint;
//   pairs:     header "from,to", rows "a.jpg,b.jpg".
#include "marionette/pose/pose.h"

#include <string>
#include <utility>
#include <vector>

namespace marionette::pose {

constexpr std::size_t kMaxAnnotationCsvBytes = 512u << 20;

struct NamedPose {
    std::string name;
    Pose pose;
};

std::vector<NamedPose> parseDeepFashionKeypoints(const std::string& text, const std::string& sourceName);
std::vector<NamedPose> readDeepFashionKeypoints(const std::string& path);
std::string toDeepFashionKeypoints(const std::vector<NamedPose>& poses);
void writeDeepFashionKeypoints(const std::string& path, const std::vector<NamedPose>& poses);  // atomic

struct ImagePair {
    std::string from;
    std::string to;
};

std::vector<ImagePair> parseDeepFashionPairs(const std::string& text, const std::string& sourceName);
std::vector<ImagePair> readDeepFashionPairs(const std::string& path);
std::string toDeepFashionPairs(const std::vector<ImagePair>& pairs);
void writeDeepFashionPairs(const std::string& path, const std::vector<ImagePair>& pairs);  // atomic

}  // namespace marionette::pose
