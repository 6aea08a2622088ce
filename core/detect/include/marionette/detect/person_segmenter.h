#pragma once
// Where the people of an image are, as a soft mask: MediaPipe's selfie segmentation network, run from its
// TensorFlow.js graph files (models/selfie/, see models/MODEL_CARD.md) by the same graph runner as MoveNet.
#include "marionette/graph/graph_executor.h"

#include <opencv2/core.hpp>

#include <string>

namespace marionette::detect {

// The bundled model.json, found as bundledModelPath() finds MoveNet's.
std::string bundledSegmenterPath();

class PersonSegmenter {
public:
    // Loads a graph model with one 1 x 256 x 256 x 3 input and a 1 x 256 x 256 x 1 output; throws
    // marionette::Error naming what does not fit.
    explicit PersonSegmenter(const std::string& modelJsonPath = bundledSegmenterPath());

    // Per pixel of `bgr` (8-bit colour), how sure the network is that it shows a person: float in [0, 1] at
    // the image's size. The image is resized to the network's square input (its aspect ratio is not kept,
    // as MediaPipe does) and the mask resized back.
    cv::Mat segment(const cv::Mat& bgr) const;

    static constexpr int kInputSize = 256;

private:
    graph::GraphExecutor m_executor;
};

}  // namespace marionette::detect
