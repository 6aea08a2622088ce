#pragma once
// Reads an image's format and size from its first bytes, without decoding pixels, so that a file claiming
// 50000 x 50000 pixels is refused before any memory is spent on it.
#include <cstdint>
#include <optional>
#include <string_view>

namespace marionette::image {

enum class ImageFormat { Png, Jpeg, WebP, Bmp, Tiff };

struct ImageHeader {
    ImageFormat format;
    std::int64_t width = 0;
    std::int64_t height = 0;
};

const char* formatName(ImageFormat format);

// The format from the magic bytes; nullopt for anything else.
std::optional<ImageFormat> sniffFormat(std::string_view bytes);

// Format and size; throws marionette::Error with `sourceName` when the header is missing, truncated or
// nonsensical.
ImageHeader readImageHeader(std::string_view bytes, const std::string& sourceName);

// False when the file visibly ends early (a JPEG without its end-of-image marker after the scan, a PNG
// without IEND): decoders tolerate such files silently and return grey or black rows.
bool looksComplete(std::string_view bytes, ImageFormat format);

}  // namespace marionette::image
