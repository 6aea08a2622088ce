#include "marionette/detect/person_segmenter.h"

#include "marionette/detect/movenet.h"
#include "marionette/util/error.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

namespace marionette::detect {

std::string bundledSegmenterPath() { return bundledModelFile("selfie"); }

PersonSegmenter::PersonSegmenter(const std::string& modelJsonPath) : m_executor(graph::readGraphModel(modelJsonPath)) {
    // One forward pass on a blank image checks the input and output shapes now, not on the first photo.
    std::vector<torch::Tensor> out;
    try {
        torch::NoGradGuard noGrad;
        out = m_executor.run(torch::zeros({1, kInputSize, kInputSize, 3}));
    } catch (const std::exception& e) {
        throw Error(modelJsonPath + ": not a person segmentation model (" + e.what() + ")");
    }
    if (out.size() != 1 || out[0].dim() != 4 || out[0].size(1) != kInputSize || out[0].size(2) != kInputSize ||
        out[0].size(3) != 1)
        throw Error(modelJsonPath + ": not a person segmentation model (expected one 1 x 256 x 256 x 1 output)");
}

cv::Mat PersonSegmenter::segment(const cv::Mat& bgr) const {
    if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("person segmentation needs an 8-bit colour image");
    cv::Mat rgb, input;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    cv::resize(rgb, input, cv::Size(kInputSize, kInputSize), 0, 0, cv::INTER_AREA);
    // The network reads RGB in [0, 1].
    const auto x =
        torch::from_blob(input.data, {1, kInputSize, kInputSize, 3}, torch::kUInt8).to(torch::kFloat32).div_(255.0);
    torch::NoGradGuard noGrad;
    const auto mask = m_executor.run(x).at(0).reshape({kInputSize, kInputSize}).clamp(0.0, 1.0).contiguous();
    const cv::Mat small(kInputSize, kInputSize, CV_32FC1, mask.data_ptr<float>());
    cv::Mat full;
    cv::resize(small, full, bgr.size(), 0, 0, cv::INTER_LINEAR);
    return full;
}

}  // namespace marionette::detect
