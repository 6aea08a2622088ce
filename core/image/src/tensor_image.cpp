#include "marionette/image/tensor_image.h"

#include "marionette/util/error.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

namespace marionette::image {

torch::Tensor imageToTensor(const cv::Mat& bgr) {
    if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("expected an 8-bit colour image");
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    const auto hwc = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8);
    return hwc.permute({2, 0, 1}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

cv::Mat tensorToImage(const torch::Tensor& rgb) {
    auto t = rgb.dim() == 4 && rgb.size(0) == 1 ? rgb.squeeze(0) : rgb;
    if (t.dim() != 3 || t.size(0) != 3) throw Error("expected an image tensor of shape [3, H, W]");
    const auto hwc = t.detach()
                         .to(torch::kCPU, torch::kFloat32)
                         .add(1.0)
                         .mul(127.5)
                         .round()
                         .clamp(0, 255)
                         .to(torch::kUInt8)
                         .permute({1, 2, 0})
                         .contiguous();
    const cv::Mat rgbView(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3, hwc.data_ptr());
    cv::Mat bgr;
    cv::cvtColor(rgbView, bgr, cv::COLOR_RGB2BGR);  // copies out of the tensor's memory
    return bgr;
}

cv::Mat tensorToFloatMap(const torch::Tensor& map) {
    auto t = map;
    while (t.dim() > 2 && t.size(0) == 1) t = t.squeeze(0);
    if (t.dim() != 2) throw Error("expected a one-channel map of shape [H, W]");
    const auto hw = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    return cv::Mat(static_cast<int>(hw.size(0)), static_cast<int>(hw.size(1)), CV_32FC1, hw.data_ptr<float>()).clone();
}

}  // namespace marionette::image
