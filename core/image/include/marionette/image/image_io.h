#pragma once
// Photo I/O through OpenCV: PNG, JPEG, WebP, BMP, TIFF. Images are 8-bit BGR cv::Mat (OpenCV's order) from
// here to the tensor boundary (tensor_image.h), where they become RGB.
#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace marionette::image {

// Largest photo accepted: 100 megapixels (e.g. 12000 x 8000, beyond any consumer camera). Checked from the
// header before any pixel is decoded: a decoded 100 MP image already takes 300 MB.
constexpr std::int64_t kMaxImagePixels = 100'000'000;
// Smallest photo accepted: nothing smaller can hold a person worth editing.
constexpr int kMinImageSide = 16;
// Largest image file accepted.
constexpr std::size_t kMaxImageFileBytes = 512u << 20;

// Decodes an image held in memory; `sourceName` names it in errors. Honours the EXIF orientation, so a
// portrait photo taken with a rotated camera stands upright. Drops alpha; 16-bit images become 8-bit.
cv::Mat decodeImage(const std::string& bytes, const std::string& sourceName);
cv::Mat loadImage(const std::string& path);

// Encodes by the extension of `path` (png, jpg/jpeg, webp, bmp, tif/tiff) and writes atomically.
// jpegQuality is 0-100 (also used for WebP).
void saveImage(const std::string& path, const cv::Mat& image, int jpegQuality = 95);
std::string encodeImage(const cv::Mat& image, const std::string& extension, int jpegQuality = 95);

}  // namespace marionette::image
