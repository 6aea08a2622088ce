// The data lookup (util/bundled_files.h): the variable's override, an installed layout and a build tree
// made in temporary folders, the error for a missing file, and this build tree's own links.
#include "check.h"

#include "marionette/util/bundled_files.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <cstdlib>
#include <filesystem>

using namespace marionette;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& path) {
    fs::create_directories(path.parent_path());
    files::writeAtomically(path.string(), "x");
}

// For its lifetime, MARIONETTE_DATA_DIR names `folder`.
class DataDirOverride {
public:
    explicit DataDirOverride(const std::string& folder) { ::setenv(bundled::kDataDirVariable, folder.c_str(), 1); }
    ~DataDirOverride() { ::unsetenv(bundled::kDataDirVariable); }
    DataDirOverride(const DataDirOverride&) = delete;
    DataDirOverride& operator=(const DataDirOverride&) = delete;
};

}  // namespace

TEST_CASE(bundled_variable_overrides_every_other_place) {
    const fs::path data = test::tempPath("override-data");
    touch(data / "models" / "movenet-thunder" / "model.json");
    EXPECT(bundled::dataDirsFor("/opt/x/bin/marionette-cli", data.string()) == std::vector<std::string>{data.string()});
    const DataDirOverride variable(data.string());
    EXPECT_EQ(bundled::modelPath("movenet-thunder/model.json"),
              (data / "models" / "movenet-thunder" / "model.json").string());
    // The build tree's samples are there, but the variable hides them.
    EXPECT(bundled::samplePath("messi5.jpg").empty());
}

TEST_CASE(bundled_installed_layout_is_share_marionette_beside_bin) {
    const fs::path prefix = test::tempPath("installed-prefix");
    touch(prefix / "share" / "marionette" / "models" / "body-early.safetensors");
    const auto dirs = bundled::dataDirsFor((prefix / "bin" / "marionette-cli").string(), "");
    EXPECT_EQ(dirs.size(), 1u);  // no CMakeCache.txt above: not a build tree
    EXPECT_EQ(bundled::findIn(dirs, "models/body-early.safetensors"),
              (prefix / "share" / "marionette" / "models" / "body-early.safetensors").string());
    EXPECT(bundled::findIn(dirs, "models/portrait-early.safetensors").empty());
}

TEST_CASE(bundled_build_tree_is_found_by_its_cmake_cache) {
    const fs::path build = test::tempPath("a-build-tree");
    touch(build / "CMakeCache.txt");
    touch(build / "share" / "marionette" / "samples" / "photo.jpg");
    const auto dirs = bundled::dataDirsFor((build / "tests" / "core" / "core_tests").string(), "");
    EXPECT_EQ(dirs.size(), 2u);  // <exe>/../share/marionette first (build/tests/share), then the tree's
    EXPECT_EQ(bundled::findIn(dirs, "samples/photo.jpg"),
              (build / "share" / "marionette" / "samples" / "photo.jpg").string());
}

TEST_CASE(bundled_missing_file_names_every_place_looked) {
    const fs::path empty = test::tempPath("empty-data");
    fs::create_directories(empty);
    const DataDirOverride variable(empty.string());
    EXPECT_THROWS(Error, bundled::modelPath("selfie/model.json"), "models/selfie/model.json is not installed");
    EXPECT_THROWS(Error, bundled::requireDataFile("presets/t_pose.json"), empty.string(), "MARIONETTE_DATA_DIR");
    const std::string message = bundled::notFoundMessage({"/a/share/marionette", "/b/share/marionette"}, "models/x");
    EXPECT(message.find("looked in /a/share/marionette, /b/share/marionette") != std::string::npos);
}

TEST_CASE(bundled_this_build_tree_links_the_source_data) {
    // Configuring made build/share/marionette/{models,samples,presets,face_model} point into the sources.
    EXPECT(!bundled::samplePath("messi5.jpg").empty());
    EXPECT(!bundled::presetPath("t_pose.json").empty());
    EXPECT(!bundled::findDataFile("face_model/face_model.json").empty());
    EXPECT(fs::is_regular_file(bundled::modelPath("movenet-thunder/model.json")));
}
