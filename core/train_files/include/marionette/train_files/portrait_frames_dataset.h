#pragma once
// Portrait video frames: one sub-folder per video, frames as images (png, jpg, ...) with iBUG 68-point
// landmarks beside each (`<frame>.pts`, e.g. `0001.png.pts`, or `<stem>.pts`, e.g. `0001.pts`). Pairs are
// all ordered pairs of different frames of one video. Both frames of a pair are cut with ONE box, the
// canvas-shaped box around the union of both faces' landmark boxes (image::aspectCropBox with
// kFaceCropPadding, kept inside the frame where it fits), so the background stays aligned between them,
// and resized to the model's canvas (256 x 256 for the default portrait model).
//
//   videos/
//     clip01/ 0001.png 0001.pts 0002.png 0002.png.pts ...
//     clip02/ ...
#include "marionette/face/landmarks.h"
#include "marionette/model/config.h"
#include "marionette/train/data.h"
#include "marionette/train_files/ordered_pairs.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace marionette::train_files {

// Finds the 68 landmarks of the face in a frame (8-bit BGR); nullopt when there is none. Called from the
// loader's threads, possibly at the same time: it must be thread-safe (lock inside if the detector is not).
using LandmarkProvider = std::function<std::optional<face::FaceLandmarks>(const cv::Mat& frameBgr)>;

struct PortraitFramesOptions {
    std::string root;
    // Optional: frames without a .pts file get their landmarks from it when a pair first needs them (the
    // result is cached, a frame without a face makes its pairs fail and be skipped). Without it, such frames
    // are left out at load.
    LandmarkProvider landmarkProvider;
};

class PortraitFramesDataset : public train::PairDataset {
public:
    // Lists the videos and reads every .pts file. Frames without landmarks (and no provider) or with an
    // unreadable .pts file are left out, counted and logged. Throws marionette::Error naming the root when
    // it is missing or no video has two usable frames, and when the model is not a face model.
    PortraitFramesDataset(PortraitFramesOptions options, const model::ModelConfig& config);
    PortraitFramesDataset(const std::string& root, const model::ModelConfig& config)
        : PortraitFramesDataset(PortraitFramesOptions{root, {}}, config) {}

    std::string description() const override;
    std::size_t size() const override { return m_pairs.size(); }
    // Pair `index` in a fixed order: video by video (sorted by name), and within a video of n frames
    // (sorted by name) reference a and target b at index a * (n - 1) + (b < a ? b : b - 1). Throws
    // marionette::Error naming the frame for a corrupt image, frames of different sizes, or a frame in
    // which the provider finds no face.
    train::PairSample pair(std::size_t index, std::uint64_t seed) const override;

    std::size_t skippedFrames() const { return m_skippedFrames; }
    std::size_t videoCount() const { return m_videos.size(); }
    std::pair<std::string, std::string> pairPaths(std::size_t index) const;

private:
    struct Frame {
        std::string path;
        std::optional<face::FaceLandmarks> landmarks;  // none: ask the provider
    };
    struct Video {
        std::string folder;
        std::vector<Frame> frames;
    };
    face::FaceLandmarks landmarksOf(const Frame& frame, const cv::Mat& image) const;

    PortraitFramesOptions m_options;
    model::ModelConfig m_config;
    std::vector<Video> m_videos;  // only those with at least two usable frames
    OrderedPairs m_pairs;
    std::size_t m_skippedFrames = 0;
    // Landmarks found by the provider, by frame path (nullopt: no face).
    mutable std::mutex m_detectedMutex;
    mutable std::unordered_map<std::string, std::optional<face::FaceLandmarks>> m_detected;
};

}  // namespace marionette::train_files
