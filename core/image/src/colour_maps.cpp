#include "marionette/image/colour_maps.h"

#include "marionette/util/error.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <cmath>

namespace marionette::image {
cv::Mat flowToColour(const torch::Tensor& flow, float maxMagnitude) {
    if (flow.dim() != 3 || flow.size(0) != 2) throw Error("a flow field must have shape [2, H, W]");
    const auto f = flow.detach().to(torch::kCPU, torch::kFloat32);
    const auto dx = f[0], dy = f[1];
    const auto magnitude = torch::sqrt(dx.square() + dy.square());
    float scale = maxMagnitude;
    if (scale <= 0.f) scale = magnitude.numel() ? magnitude.max().item<float>() : 0.f;
    const auto hue = torch::remainder(torch::atan2(dy, dx) * (180.0 / M_PI), 360.0);
    const auto saturation = scale > 0.f ? (magnitude / scale).clamp(0.0, 1.0) : torch::zeros_like(magnitude);
    const auto hsv = torch::stack({hue, saturation, torch::ones_like(hue)}, -1).contiguous();  // [H,W,3]
    const cv::Mat hsvView(static_cast<int>(hsv.size(0)), static_cast<int>(hsv.size(1)), CV_32FC3,
                          hsv.data_ptr<float>());
    cv::Mat bgr;
    cv::cvtColor(hsvView, bgr, cv::COLOR_HSV2BGR);  // float HSV: H in [0, 360), S and V in [0, 1]
    bgr.convertTo(bgr, CV_8UC3, 255.0);
    return bgr;
}

cv::Mat heatToColour(const torch::Tensor& heat, float low, float high) {
    if (heat.dim() != 2) throw Error("a heat map must have shape [H, W]");
    auto h = heat.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    if (low == high) {
        low = h.min().item<float>();
        high = h.max().item<float>();
    }
    const float range = high > low ? high - low : 1.f;
    const auto scaled = ((h - low) / range).clamp(0.0, 1.0).mul(255.0).round().to(torch::kUInt8).contiguous();
    const cv::Mat grey(static_cast<int>(scaled.size(0)), static_cast<int>(scaled.size(1)), CV_8UC1, scaled.data_ptr());
    cv::Mat bgr;
    cv::applyColorMap(grey, bgr, cv::COLORMAP_TURBO);
    return bgr;
}

cv::Mat semanticsToColour(const torch::Tensor& semantics, const std::vector<Rgb>& channelColours) {
    if (semantics.dim() != 3) throw Error("semantics must have shape [P, H, W]");
    if (static_cast<std::size_t>(semantics.size(0)) != channelColours.size())
        throw Error("semantics have " + std::to_string(semantics.size(0)) + " channels but " +
                    std::to_string(channelColours.size()) + " colours were given");
    const auto s = semantics.detach().to(torch::kCPU, torch::kFloat32).clamp(0.0, 1.0);
    const auto best = s.max(0);  // per pixel: strongest value and its channel
    const auto value = std::get<0>(best);
    const auto channel = std::get<1>(best);
    auto palette = torch::empty({static_cast<int64_t>(channelColours.size()), 3}, torch::kFloat32);
    for (std::size_t i = 0; i < channelColours.size(); ++i) {  // BGR rows for OpenCV
        palette[static_cast<int64_t>(i)][0] = channelColours[i].b;
        palette[static_cast<int64_t>(i)][1] = channelColours[i].g;
        palette[static_cast<int64_t>(i)][2] = channelColours[i].r;
    }
    const auto rgb = (palette.index_select(0, channel.flatten()).view({s.size(1), s.size(2), 3}) * value.unsqueeze(-1))
                         .round()
                         .to(torch::kUInt8)
                         .contiguous();
    return cv::Mat(static_cast<int>(rgb.size(0)), static_cast<int>(rgb.size(1)), CV_8UC3, rgb.data_ptr()).clone();
}

cv::Mat blendOver(const cv::Mat& base, const cv::Mat& overlay, float opacity, const cv::Mat& alpha) {
    if (base.size() != overlay.size() || base.type() != CV_8UC3 || overlay.type() != CV_8UC3)
        throw Error("blendOver needs two 8-bit colour images of the same size");
    cv::Mat weight;
    if (alpha.empty()) {
        weight = cv::Mat(base.size(), CV_32FC1, cv::Scalar(opacity));
    } else {
        if (alpha.size() != base.size() || alpha.type() != CV_32FC1)
            throw Error("blendOver: alpha must be float, same size");
        weight = alpha * opacity;
    }
    cv::Mat w3, b, o;
    cv::merge(std::vector<cv::Mat>{weight, weight, weight}, w3);
    base.convertTo(b, CV_32FC3);
    overlay.convertTo(o, CV_32FC3);
    cv::Mat out = b.mul(cv::Scalar::all(1.0) - w3) + o.mul(w3);
    out.convertTo(out, CV_8UC3);
    return out;
}

cv::Mat labelled(cv::Mat tile, const std::string& label) {
    cv::putText(tile, label, {3, 12}, cv::FONT_HERSHEY_SIMPLEX, 0.35, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
    cv::putText(tile, label, {3, 12}, cv::FONT_HERSHEY_SIMPLEX, 0.35, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    return tile;
}

}  // namespace marionette::image
