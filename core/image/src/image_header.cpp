#include "marionette/image/image_header.h"

#include "marionette/util/error.h"

#include <cstring>
#include <string>

namespace marionette::image {
namespace {

std::uint32_t be16(std::string_view b, std::size_t at) {
    return (std::uint32_t(std::uint8_t(b[at])) << 8) | std::uint8_t(b[at + 1]);
}
std::uint32_t be32(std::string_view b, std::size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }
std::uint32_t le16(std::string_view b, std::size_t at) {
    return std::uint32_t(std::uint8_t(b[at])) | (std::uint32_t(std::uint8_t(b[at + 1])) << 8);
}
std::uint32_t le32(std::string_view b, std::size_t at) { return le16(b, at) | (le16(b, at + 2) << 16); }
std::uint32_t le24(std::string_view b, std::size_t at) {
    return le16(b, at) | (std::uint32_t(std::uint8_t(b[at + 2])) << 16);
}

bool startsWith(std::string_view b, std::string_view magic) { return b.substr(0, magic.size()) == magic; }

[[noreturn]] void truncated(const std::string& source, ImageFormat f) {
    throwFileError(source, std::string("the ") + formatName(f) + " header is truncated or corrupt");
}

ImageHeader pngHeader(std::string_view b, const std::string& source) {
    if (b.size() < 24 || b.substr(12, 4) != "IHDR") truncated(source, ImageFormat::Png);
    return {ImageFormat::Png, be32(b, 16), be32(b, 20)};
}

// Walks JPEG marker segments from the start (skipping each by its length, so an EXIF thumbnail is never
// mistaken for the image) and calls visit(marker, position) until it returns true. Returns the position of
// the marker that stopped the walk, or npos at the end of the data.
template <typename Visit>
std::size_t walkJpegMarkers(std::string_view b, Visit visit) {
    std::size_t at = 2;
    while (at + 4 <= b.size()) {
        if (std::uint8_t(b[at]) != 0xFF) return std::string_view::npos;
        const std::uint8_t marker = std::uint8_t(b[at + 1]);
        if (marker == 0xFF) {
            ++at;
            continue;
        }  // fill byte
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            at += 2;
            continue;
        }
        if (visit(marker, at)) return at;
        const std::uint32_t length = be16(b, at + 2);
        if (length < 2) return std::string_view::npos;
        at += 2 + length;
    }
    return std::string_view::npos;
}

bool isStartOfFrame(std::uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

ImageHeader jpegHeader(std::string_view b, const std::string& source) {
    const std::size_t at = walkJpegMarkers(b, [](std::uint8_t m, std::size_t) {
        return isStartOfFrame(m) || m == 0xDA || m == 0xD9;  // a scan or the end before any frame: corrupt
    });
    if (at == std::string_view::npos || !isStartOfFrame(std::uint8_t(b[at + 1])) || at + 9 > b.size())
        truncated(source, ImageFormat::Jpeg);
    return {ImageFormat::Jpeg, be16(b, at + 7), be16(b, at + 5)};
}

ImageHeader bmpHeader(std::string_view b, const std::string& source) {
    if (b.size() < 26) truncated(source, ImageFormat::Bmp);
    // OS/2 1.x's 12-byte header (BITMAPCOREHEADER) stores its sides as unsigned 16-bit numbers; every later
    // header as signed 32-bit ones.
    if (le32(b, 14) == 12) return {ImageFormat::Bmp, le16(b, 18), le16(b, 20)};
    const auto width = static_cast<std::int32_t>(le32(b, 18));
    const auto height = static_cast<std::int32_t>(le32(b, 22));  // negative: rows stored top-down
    return {ImageFormat::Bmp, std::abs(std::int64_t(width)), std::abs(std::int64_t(height))};
}

ImageHeader webpHeader(std::string_view b, const std::string& source) {
    if (b.size() < 30) truncated(source, ImageFormat::WebP);
    const std::string_view chunk = b.substr(12, 4);
    if (chunk == "VP8 ") return {ImageFormat::WebP, le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF};
    if (chunk == "VP8L") {
        const std::uint32_t bits = le32(b, 21);
        return {ImageFormat::WebP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (chunk == "VP8X") return {ImageFormat::WebP, std::int64_t(le24(b, 24)) + 1, std::int64_t(le24(b, 27)) + 1};
    truncated(source, ImageFormat::WebP);
}

ImageHeader tiffHeader(std::string_view b, const std::string& source) {
    const bool little = b[0] == 'I';
    auto u16 = [&](std::size_t at) { return little ? le16(b, at) : be16(b, at); };
    auto u32 = [&](std::size_t at) { return little ? le32(b, at) : be32(b, at); };
    if (b.size() < 8) truncated(source, ImageFormat::Tiff);
    const std::size_t ifd = u32(4);
    if (ifd + 2 > b.size()) truncated(source, ImageFormat::Tiff);
    const std::uint32_t entries = u16(ifd);
    std::int64_t width = -1, height = -1;
    for (std::uint32_t i = 0; i < entries; ++i) {
        const std::size_t e = ifd + 2 + 12 * std::size_t(i);
        if (e + 12 > b.size()) truncated(source, ImageFormat::Tiff);
        const std::uint32_t tag = u16(e);
        const std::uint32_t type = u16(e + 2);
        const std::int64_t value = type == 3 ? std::int64_t(u16(e + 8)) : std::int64_t(u32(e + 8));  // SHORT or LONG
        if (tag == 256) width = value;
        if (tag == 257) height = value;
    }
    if (width < 0 || height < 0) truncated(source, ImageFormat::Tiff);
    return {ImageFormat::Tiff, width, height};
}

}  // namespace

const char* formatName(ImageFormat format) {
    switch (format) {
        case ImageFormat::Png:
            return "PNG";
        case ImageFormat::Jpeg:
            return "JPEG";
        case ImageFormat::WebP:
            return "WebP";
        case ImageFormat::Bmp:
            return "BMP";
        case ImageFormat::Tiff:
            return "TIFF";
    }
    return "?";
}

std::optional<ImageFormat> sniffFormat(std::string_view b) {
    if (startsWith(b, "\x89PNG\r\n\x1a\n")) return ImageFormat::Png;
    if (startsWith(b, "\xFF\xD8\xFF")) return ImageFormat::Jpeg;
    if (b.size() >= 12 && startsWith(b, "RIFF") && b.substr(8, 4) == "WEBP") return ImageFormat::WebP;
    if (startsWith(b, "BM")) return ImageFormat::Bmp;
    if (startsWith(b, std::string_view("II*\0", 4)) || startsWith(b, std::string_view("MM\0*", 4)))
        return ImageFormat::Tiff;
    return std::nullopt;
}

ImageHeader readImageHeader(std::string_view bytes, const std::string& sourceName) {
    const auto format = sniffFormat(bytes);
    if (!format) throwFileError(sourceName, "not an image in a supported format (PNG, JPEG, WebP, BMP, TIFF)");
    ImageHeader header{};
    switch (*format) {
        case ImageFormat::Png:
            header = pngHeader(bytes, sourceName);
            break;
        case ImageFormat::Jpeg:
            header = jpegHeader(bytes, sourceName);
            break;
        case ImageFormat::WebP:
            header = webpHeader(bytes, sourceName);
            break;
        case ImageFormat::Bmp:
            header = bmpHeader(bytes, sourceName);
            break;
        case ImageFormat::Tiff:
            header = tiffHeader(bytes, sourceName);
            break;
    }
    if (header.width <= 0 || header.height <= 0) {
        throwFileError(sourceName, std::string("the ") + formatName(*format) + " header gives an empty size (" +
                                       std::to_string(header.width) + " x " + std::to_string(header.height) + ")");
    }
    return header;
}

bool looksComplete(std::string_view b, ImageFormat format) {
    switch (format) {
        case ImageFormat::Png:
            return b.find(std::string_view("IEND\xAE\x42\x60\x82", 8)) != std::string_view::npos;
        case ImageFormat::Jpeg: {
            // An end-of-image marker after the first start-of-scan; FF D9 cannot occur inside entropy-coded data.
            const auto scan = walkJpegMarkers(b, [](std::uint8_t m, std::size_t) { return m == 0xDA; });
            return scan != std::string_view::npos && b.find("\xFF\xD9", scan) != std::string_view::npos;
        }
        default:
            return true;  // the decoders of the other formats fail on truncation themselves
    }
}

}  // namespace marionette::image
