#pragma once
// A picture of what the detector found, for people to judge: the skeleton over the photo, and the square
// regions the network looked at.
#include "marionette/detect/movenet.h"

#include <opencv2/core.hpp>

namespace marionette::detect {

// A copy of the 8-bit BGR photo with the detected COCO-18 limbs and joints in OpenPose's colours (a joint's
// disc shrinks with its score) and each region looked at as a thin grey square.
cv::Mat drawDetection(const cv::Mat& bgr, const BodyDetection& detection);

}  // namespace marionette::detect
