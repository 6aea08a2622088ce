#pragma once
// Internal helpers shared by the file-based datasets: listing folders and images, finding the annotation
// file beside an image, and counting what was dropped.
#include "marionette/model/config.h"
#include "marionette/util/geometry.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace marionette::train_files::detail {

namespace fs = std::filesystem;

// The extensions image::loadImage reads.
bool isImageFile(const fs::path& path);

// Throws "<path>: <what> does not exist" (or "is not a folder") unless `path` is a folder.
void requireFolder(const std::string& path, const std::string& what);
// Throws "<path>: <what> does not exist" unless `path` is a regular file.
void requireFile(const std::string& path, const std::string& what);

// Visible sub-folders and visible image files of a folder, sorted by name (directory order is unspecified).
std::vector<fs::path> sortedSubfolders(const fs::path& folder);
std::vector<fs::path> sortedImages(const fs::path& folder);

// The first of `candidates` that is a file.
std::optional<fs::path> firstExisting(const std::vector<std::string>& candidates);

// The first of `image` + suffix (e.g. "a.jpg" + ".pose.json") and stem + suffix (e.g. "a" + "_keypoints.json")
// that exists, trying every candidate name in order.
std::optional<fs::path> findBeside(const fs::path& image, const std::vector<std::string>& fullNameSuffixes,
                                   const std::vector<std::string>& stemSuffixes);

// The model's canvas (width x height).
inline ImageSize canvasOf(const model::ModelConfig& config) { return {config.canvasWidth, config.height}; }

// Counts of dropped items by reason, logged once at load and quoted in "no usable pairs" errors.
class DropCounts {
public:
    void add(const std::string& reason, const std::string& example);
    bool empty() const { return m_entries.empty(); }
    // "3 images without a pose file (e.g. a/b.jpg); 1 images with an unreadable pose file (e.g. ...)"
    std::string summary() const;

private:
    struct Entry {
        std::string reason, example;
        std::size_t count = 0;
    };
    std::vector<Entry> m_entries;
};

}  // namespace marionette::train_files::detail
