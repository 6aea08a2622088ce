#pragma once
// Filling what a moved person uncovers from the rest of the photo (deform pipeline step 7).
#include <opencv2/core.hpp>

#include <optional>
#include <string>

namespace marionette::deform {

// The algorithms, each on a reduced copy of the holes' surroundings (fills are smooth or copied texture, and
// every one costs with the area). `marionette-cli evaluate-fill` measures them on holes whose pixels are known.
enum class FillMethod {
    Telea,     // fast marching (OpenCV photo): instant, smooth
    ShiftMap,  // OpenCV contrib's shift-map exemplar fill in Lab: copies real texture, seconds
    Fsr,       // frequency-selective reconstruction (OpenCV contrib, fast variant): smooth and textured, a second
};
const char* toString(FillMethod method);  // "telea", "shift-map", "fsr"
std::optional<FillMethod> fillMethodFromString(const std::string& text);

// What the editor asks for: Fast while a drag moves, Best once the drag rests (off the GUI thread).
enum class FillQuality { Fast, Best };
const char* toString(FillQuality quality);  // "fast", "best"
FillMethod methodFor(FillQuality quality);

// Fills the pixels of `holes` (8-bit, non-zero = unknown) in `image` (8-bit BGR), in place, from the pixels
// around them (never from inside the holes). Only a box around the holes is read and written; the work is
// done on at most `workingPixels` pixels (0: the method's default).
void fillHoles(cv::Mat& image, const cv::Mat& holes, FillMethod method, double workingPixels = 0);
void fillHoles(cv::Mat& image, const cv::Mat& holes, FillQuality quality);

}  // namespace marionette::deform
