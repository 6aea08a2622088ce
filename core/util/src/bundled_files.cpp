#include "marionette/util/bundled_files.h"

#include "marionette/util/error.h"

#include <cstdlib>
#include <filesystem>

namespace marionette::bundled {
namespace fs = std::filesystem;
namespace {

constexpr const char* kShare = "share/marionette";
// A test executable sits two folders below the build tree's top (tests/core/), a program one (app/).
constexpr int kBuildTreeDepth = 4;

bool isThere(const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
}

// The build tree's share/marionette: the nearest folder above `folder` that CMake configured.
fs::path buildTreeShare(fs::path folder) {
    for (int up = 0; up < kBuildTreeDepth && !folder.empty(); ++up) {
        if (isThere(folder / "CMakeCache.txt")) return folder / kShare;
        if (folder == folder.parent_path()) break;
        folder = folder.parent_path();
    }
    return {};
}

std::string thisExecutable() {
    std::error_code ec;
    const fs::path executable = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : executable.string();
}

}  // namespace

std::vector<std::string> dataDirsFor(const std::string& executable, const std::string& overrideDir) {
    if (!overrideDir.empty()) return {overrideDir};
    std::vector<std::string> dirs;
    if (executable.empty()) return dirs;
    const fs::path folder = fs::path(executable).parent_path();
    dirs.push_back((folder.parent_path() / kShare).lexically_normal().string());
    const fs::path build = buildTreeShare(folder);
    if (!build.empty() && build.lexically_normal().string() != dirs.front())
        dirs.push_back(build.lexically_normal().string());
    return dirs;
}

std::vector<std::string> dataDirs() {
    const char* variable = std::getenv(kDataDirVariable);
    return dataDirsFor(thisExecutable(), variable ? variable : "");
}

std::string findIn(const std::vector<std::string>& dirs, const std::string& relative) {
    for (const auto& dir : dirs) {
        const fs::path candidate = fs::path(dir) / relative;
        if (isThere(candidate)) return candidate.string();
    }
    return {};
}

std::string notFoundMessage(const std::vector<std::string>& dirs, const std::string& relative) {
    std::string places;
    for (const auto& dir : dirs) places += (places.empty() ? "" : ", ") + dir;
    if (places.empty()) places = "nowhere (the program's own path is unknown)";
    return relative + " is not installed: looked in " + places + " (set " + kDataDirVariable +
           " to the folder that holds models/ and samples/)";
}

std::string findDataFile(const std::string& relative) { return findIn(dataDirs(), relative); }

std::string requireDataFile(const std::string& relative) {
    const auto dirs = dataDirs();
    const std::string found = findIn(dirs, relative);
    if (found.empty()) throw Error(notFoundMessage(dirs, relative));
    return found;
}

std::string modelPath(const std::string& relative) { return requireDataFile("models/" + relative); }

std::string samplePath(const std::string& relative) { return findDataFile("samples/" + relative); }

std::string presetPath(const std::string& relative) { return findDataFile("presets/" + relative); }

}  // namespace marionette::bundled
