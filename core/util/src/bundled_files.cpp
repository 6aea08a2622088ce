#include "marionette/util/bundled_files.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#ifndef MARIONETTE_SOURCE_DIR
#define MARIONETTE_SOURCE_DIR "."
#endif

namespace marionette::bundled {
namespace fs = std::filesystem;
namespace {

// share/marionette/ of an installed binary: <prefix>/bin/marionette -> <prefix>/share/marionette.
fs::path installedShare() {
    std::error_code ec;
    const fs::path executable = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : executable.parent_path().parent_path() / "share" / "marionette";
}

std::string firstExisting(const std::vector<fs::path>& candidates) {
    std::error_code ec;
    for (const auto& c : candidates)
        if (!c.empty() && fs::exists(c, ec)) return c.string();
    return {};
}

}  // namespace

std::string modelPath(const std::string& relative) {
    if (const char* dir = std::getenv("MARIONETTE_MODEL_DIR"); dir && *dir) return (fs::path(dir) / relative).string();
    const fs::path share = installedShare();
    const fs::path source = fs::path(MARIONETTE_SOURCE_DIR) / "models" / relative;
    const std::string found = firstExisting({share.empty() ? fs::path() : share / "models" / relative, source});
    return found.empty() ? source.string() : found;
}

std::string samplePath(const std::string& relative) {
    const fs::path share = installedShare();
    return firstExisting({share.empty() ? fs::path() : share / "samples" / relative,
                          fs::path(MARIONETTE_SOURCE_DIR) / "resources" / "samples" / relative});
}

}  // namespace marionette::bundled
