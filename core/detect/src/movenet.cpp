#include "marionette/detect/movenet.h"

#include "marionette/util/bundled_files.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace marionette::detect {
namespace {

using pose::JointId;

// MoveNet's demos only trust a keypoint for choosing the next crop above this score.
constexpr float kMinCropKeypointScore = 0.2f;
// How far the crop reaches beyond the torso and beyond the body, seen from the hips (MoveNet's demo values).
constexpr double kTorsoReach = 1.9;
constexpr double kBodyReach = 1.2;

bool confident(const CocoKeypoints& k, JointId joint) { return keypointOf(k, joint).score > kMinCropKeypointScore; }

}  // namespace

const char* variantName(MoveNetVariant variant) {
    switch (variant) {
        case MoveNetVariant::Lightning:
            return "lightning";
        case MoveNetVariant::Thunder:
            return "thunder";
        case MoveNetVariant::MultiPose:
            return "multipose";
    }
    return "";
}

std::optional<MoveNetVariant> variantFromName(const std::string& name) {
    for (const auto v : {MoveNetVariant::Lightning, MoveNetVariant::Thunder, MoveNetVariant::MultiPose})
        if (name == variantName(v)) return v;
    return std::nullopt;
}

std::string bundledModelPath(MoveNetVariant variant) {
    return bundledModelFile(std::string("movenet-") + variantName(variant));
}

std::string bundledModelFile(const std::string& folder) { return bundled::modelPath(folder + "/model.json"); }

Box initialRegion(ImageSize photo) {
    const double side = std::max(photo.width, photo.height);
    return {(photo.width - side) / 2, (photo.height - side) / 2, side, side};
}

Box nextRegion(const CocoKeypoints& keypoints, ImageSize photo) {
    const bool torsoSeen =
        (confident(keypoints, JointId::LeftHip) || confident(keypoints, JointId::RightHip)) &&
        (confident(keypoints, JointId::LeftShoulder) || confident(keypoints, JointId::RightShoulder));
    if (!torsoSeen) return initialRegion(photo);
    // Box edges are at whole numbers in these coordinates; a keypoint's pixel centre is half a pixel inside.
    const auto edgeBased = [&](JointId j) {
        const Point2 p = keypointOf(keypoints, j).position;
        return Point2{p.x + 0.5f, p.y + 0.5f};
    };
    const Point2 leftHip = edgeBased(JointId::LeftHip), rightHip = edgeBased(JointId::RightHip);
    const double cx = (leftHip.x + rightHip.x) / 2.0, cy = (leftHip.y + rightHip.y) / 2.0;

    double torso = 0.0, body = 0.0;
    for (const JointId j : {JointId::LeftShoulder, JointId::RightShoulder, JointId::LeftHip, JointId::RightHip}) {
        const Point2 p = edgeBased(j);
        torso = std::max({torso, std::abs(cx - p.x), std::abs(cy - p.y)});
    }
    for (const JointId j : cocoKeypointJoints()) {
        if (keypointOf(keypoints, j).score < kMinCropKeypointScore) continue;
        const Point2 p = edgeBased(j);
        body = std::max({body, std::abs(cx - p.x), std::abs(cy - p.y)});
    }
    double half = std::max(torso * kTorsoReach, body * kBodyReach);
    half = std::min(half, std::max({cx, photo.width - cx, cy, photo.height - cy}));
    if (!(half > 0.0) || half > std::max(photo.width, photo.height) / 2.0) return initialRegion(photo);
    return {cx - half, cy - half, 2 * half, 2 * half};
}

cv::Mat regionToInput(const cv::Mat& bgr, const Box& region, int size) {
    if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("body detection needs an 8-bit colour photo");
    if (region.empty() || size <= 0) throw Error("the region to look at is empty");
    cv::Mat source = bgr;
    Box box = region;
    if (region.width > size) {
        // Shrinking: average areas first (bilinear sampling alone would alias fine detail), then sample.
        const double f = size / region.width;
        const cv::Size small(std::max(1, static_cast<int>(std::lround(bgr.cols * f))),
                             std::max(1, static_cast<int>(std::lround(bgr.rows * f))));
        cv::resize(bgr, source, small, 0, 0, cv::INTER_AREA);
        const double fx = double(small.width) / bgr.cols, fy = double(small.height) / bgr.rows;
        box = {region.x * fx, region.y * fy, region.width * fx, region.height * fy};
    }
    // Output pixel centre (u, v) samples source pixel coordinates BoxToCanvas{box, size, size}.fromCanvas(u, v).
    const double ax = box.width / size, ay = box.height / size;
    const cv::Matx23d toSource(ax, 0, 0.5 * ax + box.x - 0.5, 0, ay, 0.5 * ay + box.y - 0.5);
    cv::Mat sampled;
    cv::warpAffine(source, sampled, toSource, cv::Size(size, size), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, cv::Scalar::all(0));
    cv::Mat rgb;
    cv::cvtColor(sampled, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

MoveNet::MoveNet(const std::string& modelJsonPath) : m_graph(graph::readGraphModel(modelJsonPath)) {
    const graph::GraphModel& model = m_graph.model();
    const auto refuse = [&](const std::string& what) { throwFileError(modelJsonPath, "not a MoveNet model: " + what); };
    if (model.inputs.size() != 1)
        refuse("it has " + std::to_string(model.inputs.size()) + " inputs instead of one image");
    const graph::TensorSpec& input = model.inputs[0];
    if (input.dtype != "DT_INT32" || input.shape.size() != 4 || input.shape[1] <= 0 ||
        input.shape[1] != input.shape[2] || input.shape[3] != 3)
        refuse("its input is not a square RGB image of int32 pixels");
    m_inputSize = static_cast<int>(input.shape[1]);
    const auto output = model.outputs.size() == 1 ? model.outputs[0].shape : std::vector<std::int64_t>{};
    if (output == std::vector<std::int64_t>{1, 1, kCocoKeypointCount, 3}) return;
    if (output.size() == 3 && output[0] == 1 && output[1] > 0 && output[2] == kCocoKeypointCount * 3 + 5) {
        m_people = static_cast<int>(output[1]);
        return;
    }
    refuse("its output is neither [1, 1, 17, 3] (one person's keypoints) nor [1, N, 56] (MultiPose)");
}

std::pair<torch::Tensor, torch::Tensor> MoveNet::runNetwork(const cv::Mat& rgbSquare) const {
    if (rgbSquare.type() != CV_8UC3 || rgbSquare.rows != m_inputSize || rgbSquare.cols != m_inputSize)
        throw Error("MoveNet needs an 8-bit RGB image of " + std::to_string(m_inputSize) + " x " +
                    std::to_string(m_inputSize) + " pixels");
    const cv::Mat pixels = rgbSquare.isContinuous() ? rgbSquare : rgbSquare.clone();
    const torch::Tensor input =
        torch::from_blob(pixels.data, {1, m_inputSize, m_inputSize, 3}, torch::kUInt8).to(torch::kInt32);
    const torch::Tensor out = m_graph.run(input).at(0).to(torch::kFloat32);
    if (!multiPose()) {
        const torch::Tensor keypoints = out.reshape({1, kCocoKeypointCount, 3}).contiguous();
        return {keypoints, keypoints.select(2, 2).mean(1)};
    }
    // MultiPose: per person 17 x (y, x, score), then its box (y min, x min, y max, x max) and its score.
    const torch::Tensor people = out.reshape({m_people, kCocoKeypointCount * 3 + 5});
    return {people.narrow(1, 0, kCocoKeypointCount * 3).reshape({m_people, kCocoKeypointCount, 3}).contiguous(),
            people.select(1, kCocoKeypointCount * 3 + 4).contiguous()};
}

std::vector<std::pair<CocoKeypoints, float>> MoveNet::look(const cv::Mat& bgr, const Box& region) const {
    const auto [keypoints, scores] = runNetwork(regionToInput(bgr, region, m_inputSize));
    std::vector<std::pair<CocoKeypoints, float>> people;
    for (std::int64_t p = 0; p < keypoints.size(0); ++p) {
        const float* v = keypoints[p].data_ptr<float>();
        CocoKeypoints person;
        for (std::size_t k = 0; k < person.size(); ++k) {
            // (y, x) in [0, 1] of the network's square, edge-based: back to photo pixel centres.
            const float y = v[3 * k], x = v[3 * k + 1];
            person[k].position = {static_cast<float>(region.x + x * region.width - 0.5),
                                  static_cast<float>(region.y + y * region.height - 0.5)};
            person[k].score = v[3 * k + 2];
        }
        people.emplace_back(person, scores[p].item<float>());
    }
    return people;
}

BodyDetection MoveNet::finish(const CocoKeypoints& keypoints, float score, std::vector<Box> regions, ImageSize photo,
                              const DetectOptions& options) const {
    BodyDetection result;
    result.keypoints = keypoints;
    result.regions = std::move(regions);
    result.score = score;
    result.pose = cocoToPose(keypoints, options.minJointScore, photo);
    result.found = result.score >= (multiPose() ? kMinMultiPoseScore : kMinPersonScore) &&
                   result.pose.presentCount() >= kMinPersonJoints;
    return result;
}

std::vector<BodyDetection> MoveNet::detectPeople(const cv::Mat& bgr, const DetectOptions& options) const {
    if (!multiPose()) {
        BodyDetection one = detect(bgr, options);
        return one.found ? std::vector<BodyDetection>{one} : std::vector<BodyDetection>{};
    }
    if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("body detection needs an 8-bit colour photo");
    const ImageSize photo{bgr.cols, bgr.rows};
    const Box region = initialRegion(photo);
    std::vector<BodyDetection> people;
    for (const auto& [keypoints, score] : look(bgr, region)) {
        BodyDetection person = finish(keypoints, score, {region}, photo, options);
        if (person.found) people.push_back(std::move(person));
    }
    std::stable_sort(people.begin(), people.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    log::debug("MoveNet MultiPose: ", people.size(), " people");
    return people;
}

BodyDetection MoveNet::detect(const cv::Mat& bgr, const DetectOptions& options) const {
    if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("body detection needs an 8-bit colour photo");
    const ImageSize photo{bgr.cols, bgr.rows};
    if (multiPose()) {
        const auto people = detectPeople(bgr, options);
        if (!people.empty()) return people.front();
        const auto proposals = look(bgr, initialRegion(photo));
        return finish(proposals.front().first, proposals.front().second, {initialRegion(photo)}, photo, options);
    }
    Box region = initialRegion(photo);
    std::vector<Box> regions{region};
    CocoKeypoints keypoints = look(bgr, region).front().first;
    for (int pass = 0; pass < options.refinePasses; ++pass) {
        const Box next = nextRegion(keypoints, photo);
        const double moved =
            std::abs(next.x - region.x) + std::abs(next.y - region.y) + std::abs(next.width - region.width);
        if (moved < 0.5) break;  // the same square again: nothing to refine
        region = next;
        regions.push_back(region);
        keypoints = look(bgr, region).front().first;
    }
    float total = 0.f;
    for (const auto& k : keypoints) total += k.score;
    BodyDetection result = finish(keypoints, total / kCocoKeypointCount, std::move(regions), photo, options);
    log::debug("MoveNet: ", result.regions.size(), " passes, mean keypoint score ", result.score, ", ",
               result.pose.presentCount(), " joints");
    return result;
}

}  // namespace marionette::detect
