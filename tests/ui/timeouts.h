#pragma once
// How long the GUI tests wait for the editor. A sanitizer slows the program 2 to 15 times:
// MARIONETTE_TEST_TIMEOUT_SCALE (a whole number, e.g. 10 under ThreadSanitizer) stretches every wait.
#include <algorithm>
#include <cstdlib>

namespace marionette::test {

inline int scaledTimeout(int milliseconds) {
    const char* scale = std::getenv("MARIONETTE_TEST_TIMEOUT_SCALE");
    return milliseconds * std::max(1, scale ? std::atoi(scale) : 1);
}

}  // namespace marionette::test
