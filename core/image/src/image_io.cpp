#include "marionette/image/image_io.h"

#include "marionette/image/image_header.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <opencv2/imgcodecs.hpp>

#include <vector>

namespace marionette::image {

cv::Mat decodeImage(const std::string& bytes, const std::string& sourceName) {
    const ImageHeader header = readImageHeader(bytes, sourceName);
    // Each side first: two 32-bit sides can overflow their product.
    if (header.width > kMaxImagePixels || header.height > kMaxImagePixels ||
        header.width * header.height > kMaxImagePixels) {
        throwFileError(sourceName, "the image is " + std::to_string(header.width) + " x " +
                                       std::to_string(header.height) + " pixels, more than the limit of " +
                                       std::to_string(kMaxImagePixels / 1'000'000) +
                                       " megapixels; scale it down first");
    }
    if (header.width < kMinImageSide || header.height < kMinImageSide) {
        throwFileError(sourceName, "the image is only " + std::to_string(header.width) + " x " +
                                       std::to_string(header.height) + " pixels; a photo needs at least " +
                                       std::to_string(kMinImageSide) + " x " + std::to_string(kMinImageSide));
    }
    if (!looksComplete(bytes, header.format))
        throwFileError(sourceName, std::string("the ") + formatName(header.format) + " data is truncated");
    cv::Mat decoded;
    try {
        // IMREAD_COLOR applies the EXIF orientation (IMREAD_IGNORE_ORIENTATION is not set).
        const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
        decoded = cv::imdecode(raw, cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        throwFileError(sourceName, std::string("the image data is corrupt (") + e.what() + ")");
    }
    if (decoded.empty())
        throwFileError(sourceName, std::string("the ") + formatName(header.format) + " data is corrupt");
    return decoded;
}

cv::Mat loadImage(const std::string& path) { return decodeImage(files::readAll(path, kMaxImageFileBytes), path); }

std::string encodeImage(const cv::Mat& image, const std::string& extension, int jpegQuality) {
    if (image.empty()) throw Error("cannot save an empty image");
    std::string ext = extension;
    std::vector<int> params;
    if (ext == "jpg" || ext == "jpeg") {
        params = {cv::IMWRITE_JPEG_QUALITY, jpegQuality};
        ext = "jpg";
    } else if (ext == "webp") {
        params = {cv::IMWRITE_WEBP_QUALITY, jpegQuality};
    } else if (ext == "tif") {
        ext = "tiff";
    } else if (ext != "png" && ext != "bmp" && ext != "tiff") {
        throw Error("cannot save images as \"." + extension + "\"; use .png, .jpg, .webp, .bmp or .tiff");
    }
    std::vector<uchar> buffer;
    try {
        if (!cv::imencode("." + ext, image, buffer, params)) throw Error("the " + ext + " encoder failed");
    } catch (const cv::Exception& e) {
        throw Error("cannot encode the image as " + ext + ": " + e.what());
    }
    return std::string(buffer.begin(), buffer.end());
}

void saveImage(const std::string& path, const cv::Mat& image, int jpegQuality) {
    std::string bytes;
    try {
        bytes = encodeImage(image, files::lowerExtension(path), jpegQuality);
    } catch (const Error& e) {
        throwFileError(path, e.what());
    }
    files::writeAtomically(path, bytes);
}

}  // namespace marionette::image
