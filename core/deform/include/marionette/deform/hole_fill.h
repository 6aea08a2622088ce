#pragma once
// Filling what a moved person uncovers from the rest of the photo (deform pipeline step 7).
#include <opencv2/core.hpp>

#include <string>

namespace marionette::deform {

enum class FillQuality {
    Fast,  // Telea's fast marching method on a reduced copy: instant, smooth; for live drags
    Best,  // OpenCV contrib's shift-map exemplar fill: copies real texture; once per gesture, off the GUI thread
};
const char* toString(FillQuality quality);  // "fast", "best"

// Fills the pixels of `holes` (8-bit, non-zero = unknown) in `image` (8-bit BGR), in place, from the pixels
// around them (never from inside the holes). Only a box around the holes is read and written.
void fillHoles(cv::Mat& image, const cv::Mat& holes, FillQuality quality);

}  // namespace marionette::deform
