#pragma once
// The bundled sample photos, read where they are in the source tree (MARIONETTE_SOURCE_DIR comes from
// tests/CMakeLists.txt).
#include <string>

namespace marionette::test {

inline std::string samplePath(const std::string& name) {
    return std::string(MARIONETTE_SOURCE_DIR) + "/resources/samples/" + name;
}

}  // namespace marionette::test
