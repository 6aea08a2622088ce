#pragma once
// How the editor and the CLI draw what the network computes (docs/model.md, "What the editor shows").
#include "marionette/util/rgb.h"

#include <torch/types.h>
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace marionette::image {

// Flow colour wheel: hue = direction, saturation = magnitude / maxMagnitude (clamped to 1), full value.
// Direction angles follow image axes (x right, y down): +x red (hue 0), +y (down) chartreuse (hue 90),
// -x cyan (hue 180), -y (up) violet (hue 270). Zero flow is white. maxMagnitude <= 0 takes the largest
// magnitude in the field. `flow` is [2, H, W] (dx, dy); returns 8-bit BGR.
cv::Mat flowToColour(const torch::Tensor& flow, float maxMagnitude = 0.f);

// A scalar map [H, W] (attention, combination map) through the Turbo colour map; values are scaled from
// [low, high] to [0, 1] and clamped; low == high scales from the map's own minimum and maximum.
cv::Mat heatToColour(const torch::Tensor& heat, float low = 0.f, float high = 1.f);

// Semantics [P, H, W] (heatmaps or part maps, values in [0, 1]) drawn in one colour per channel on black,
// the brightest channel winning at each pixel: what the network "sees".
cv::Mat semanticsToColour(const torch::Tensor& semantics, const std::vector<Rgb>& channelColours);

// base * (1 - opacity * alpha) + overlay * opacity * alpha; both 8-bit BGR of the same size. alpha is an
// optional [H, W] float map in [0, 1] (for example the semantics' maximum), empty for a uniform blend.
cv::Mat blendOver(const cv::Mat& base, const cv::Mat& overlay, float opacity, const cv::Mat& alpha = cv::Mat());

// `tile` (8-bit BGR) with `label` written in its top-left corner, white with a dark outline so that it reads
// on light maps and dark photos alike: the tiles of sample grids and edit sheets.
cv::Mat labelled(cv::Mat tile, const std::string& label);

}  // namespace marionette::image
