// Photos through the image loader (image/image_io.h, image/image_header.h): the size read from the header, the
// limits checked on it, then OpenCV's decoders.
#include "fuzz_targets.h"

#include "marionette/image/image_header.h"
#include "marionette/image/image_io.h"

#include <optional>

namespace marionette::fuzz {
namespace {

// A few hundred bytes may rightly describe a 100-megapixel photo, whose decoding takes OpenCV seconds: inputs
// that pass the limits are decoded only up to this size, to keep the fuzzer fast. The limit checks themselves
// run on every input.
constexpr std::int64_t kMaxDecodedPixels = 1 << 20;

}  // namespace

int fuzzImage(const std::uint8_t* data, std::size_t size) {
    const std::string bytes = bytesOf(data, size);
    std::optional<image::ImageHeader> header;
    if (!readOrRefuse([&] { header = image::readImageHeader(bytes, "fuzz.img"); })) return 0;
    image::looksComplete(bytes, header->format);
    const std::int64_t width = header->width, height = header->height;
    const bool withinLimits = width <= image::kMaxImagePixels && height <= image::kMaxImagePixels &&
                              width * height <= image::kMaxImagePixels && width >= image::kMinImageSide &&
                              height >= image::kMinImageSide;
    if (!withinLimits) {
        // Refused from the header, by the limits' own sentence, before any decoder sees the data.
        std::string message;
        try {
            image::decodeImage(bytes, "fuzz.img");
        } catch (const Error& e) {
            message = e.what();
        }
        require(message.rfind("fuzz.img: the image is ", 0) == 0,
                "image: " + std::to_string(width) + " x " + std::to_string(height) +
                    " pixels not refused by the size limits (\"" + message + "\")");
        return 0;
    }
    if (width * height > kMaxDecodedPixels) return 0;
    cv::Mat decoded;
    if (!readOrRefuse([&] { decoded = image::decodeImage(bytes, "fuzz.img"); })) return 0;
    // What the decoder made is what the header promised (turned by the EXIF orientation at most): a header that
    // says less than the data holds would let a huge image past the limit.
    require(static_cast<std::int64_t>(decoded.total()) == width * height,
            "image: decoded " + std::to_string(decoded.cols) + " x " + std::to_string(decoded.rows) +
                " pixels where the header says " + std::to_string(width) + " x " + std::to_string(height));
    require(decoded.type() == CV_8UC3, "image: not 8-bit BGR");
    return 0;
}

}  // namespace marionette::fuzz
