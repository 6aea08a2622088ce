#pragma once
// Body keypoints with Google's MoveNet, run from its TensorFlow.js graph files (models/movenet-*/, see
// models/MODEL_CARD.md): SinglePose Lightning (192 x 192 input, fast) and Thunder (256 x 256, more accurate)
// find one person; MultiPose Lightning (256 x 256) finds up to six.
//
// MoveNet sees a square image. The photo is first padded to a square; then, for the single-pose models and as
// in MoveNet's own demos, the keypoints found there choose a tighter square around the person (crop-and-refine)
// and the network looks again, which matters for people who fill a small part of the photo.
#include "marionette/detect/coco_keypoints.h"
#include "marionette/graph/graph_executor.h"
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace marionette::detect {

enum class MoveNetVariant { Lightning, Thunder, MultiPose };

const char* variantName(MoveNetVariant variant);  // "lightning", "thunder", "multipose"
std::optional<MoveNetVariant> variantFromName(const std::string& name);

// The model.json of a bundled MoveNet, models/movenet-<variant>/, found by bundled::modelPath.
std::string bundledModelPath(MoveNetVariant variant);
// The model.json of any bundled graph model folder (models/<folder>/), found the same way.
std::string bundledModelFile(const std::string& folder);

// Keypoints scoring below this are left out of the pose (MoveNet's demos use 0.2 to 0.3).
constexpr float kDefaultMinJointScore = 0.2f;
// Below this mean keypoint score, or with fewer than kMinPersonJoints joints, no person is reported.
constexpr float kMinPersonScore = 0.15f;
constexpr int kMinPersonJoints = 3;
// MultiPose scores each person it proposes; below this a proposal is not a person.
constexpr float kMinMultiPoseScore = 0.2f;

struct DetectOptions {
    float minJointScore = kDefaultMinJointScore;
    int refinePasses = 1;  // looks again at a crop around the person this many times (0: the padded photo only)
};

struct BodyDetection {
    CocoKeypoints keypoints;   // all 17, in photo pixels, with MoveNet's scores
    pose::Pose pose;           // COCO-18, from the keypoints that pass DetectOptions::minJointScore
    float score = 0.f;         // mean keypoint score (single pose), the person's score (MultiPose)
    bool found = false;        // a person was seen (kMinPersonScore or kMinMultiPoseScore, kMinPersonJoints)
    std::vector<Box> regions;  // the square regions the network looked at, in order (photo pixels, BoxToCanvas)
};

// MoveNet's crop strategy. Regions are squares in photo pixels; they may reach past the photo's edges, where
// the network sees black. The first region is the photo padded to a square, centred.
Box initialRegion(ImageSize photo);
// The next region from keypoints found in the previous one: centred on the hips, half-side the largest of 1.9
// times the torso's reach from there and 1.2 times the reach of every confident keypoint (capped by the
// farthest photo edge); the initial region when no hip or no shoulder is confident or when the square would
// be larger than the photo.
Box nextRegion(const CocoKeypoints& keypoints, ImageSize photo);

class MoveNet {
public:
    // Loads a MoveNet graph model (its model.json); refuses one whose input is not a square RGB image or whose
    // output is neither [1, 1, 17, 3] (single pose) nor [1, N, 56] (MultiPose: 17 keypoints, a box, a score).
    explicit MoveNet(const std::string& modelJsonPath);

    int inputSize() const { return m_inputSize; }
    bool multiPose() const { return m_people > 0; }
    const graph::GraphExecutor& graph() const { return m_graph; }

    // One pass of the network over a square region of an 8-bit BGR photo: each person's keypoints in photo
    // pixels with the person's score (one person, scored by its mean keypoint score, for single-pose models).
    std::vector<std::pair<CocoKeypoints, float>> look(const cv::Mat& bgr, const Box& region) const;
    // The network itself: an 8-bit RGB image of inputSize x inputSize -> [people, 17, 3] (y, x, score), y and x
    // in [0, 1] of the image, and [people] scores.
    std::pair<torch::Tensor, torch::Tensor> runNetwork(const cv::Mat& rgbSquare) const;

    // The most likely person (for MultiPose, the best-scoring one).
    BodyDetection detect(const cv::Mat& bgr, const DetectOptions& options = {}) const;
    // Every person found, best first (at most one for single-pose models; MultiPose does not refine).
    std::vector<BodyDetection> detectPeople(const cv::Mat& bgr, const DetectOptions& options = {}) const;

private:
    BodyDetection finish(const CocoKeypoints& keypoints, float score, std::vector<Box> regions, ImageSize photo,
                         const DetectOptions& options) const;

    graph::GraphExecutor m_graph;
    int m_inputSize = 0;
    int m_people = 0;  // MultiPose's number of proposals; 0 for single-pose models
};

// The square image the network sees for a region: bilinear samples of the photo (areas averaged first when
// shrinking), black outside the photo, RGB.
cv::Mat regionToInput(const cv::Mat& bgr, const Box& region, int size);

}  // namespace marionette::detect
