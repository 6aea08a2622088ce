#pragma once
#include <cstdint>

namespace marionette {

// An 8-bit colour in RGB order (OpenCV code converts to BGR at its boundary).
struct Rgb {
    std::uint8_t r, g, b;
};

}  // namespace marionette
