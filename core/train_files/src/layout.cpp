#include "layout.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <algorithm>

namespace marionette::train_files::detail {
namespace {

bool isHidden(const fs::path& path) {
    const std::string name = path.filename().string();
    return name.empty() || name[0] == '.';
}

// Sorted visible entries of `folder` accepted by `keep`; unreadable entries are left out.
template <typename Keep>
std::vector<fs::path> sortedEntries(const fs::path& folder, Keep keep) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (!isHidden(it->path()) && keep(*it)) out.push_back(it->path());
    }
    if (ec) throwFileError(folder.string(), "cannot list the folder: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

bool isImageFile(const fs::path& path) {
    static const std::vector<std::string> extensions = {"png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"};
    const std::string ext = files::lowerExtension(path.string());
    return std::find(extensions.begin(), extensions.end(), ext) != extensions.end();
}

void requireFolder(const std::string& path, const std::string& what) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throwFileError(path, what + " does not exist");
    if (!fs::is_directory(status)) throwFileError(path, what + " is not a folder");
}

void requireFile(const std::string& path, const std::string& what) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throwFileError(path, what + " does not exist");
    if (!fs::is_regular_file(status)) throwFileError(path, what + " is not a file");
}

std::vector<fs::path> sortedSubfolders(const fs::path& folder) {
    return sortedEntries(folder, [](const fs::directory_entry& e) {
        std::error_code ec;
        return e.is_directory(ec);
    });
}

std::vector<fs::path> sortedImages(const fs::path& folder) {
    return sortedEntries(folder, [](const fs::directory_entry& e) {
        std::error_code ec;
        return e.is_regular_file(ec) && isImageFile(e.path());
    });
}

std::optional<fs::path> firstExisting(const std::vector<std::string>& candidates) {
    for (const auto& candidate : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return fs::path(candidate);
    }
    return std::nullopt;
}

std::optional<fs::path> findBeside(const fs::path& image, const std::vector<std::string>& fullNameSuffixes,
                                   const std::vector<std::string>& stemSuffixes) {
    std::vector<fs::path> candidates;
    for (const auto& suffix : fullNameSuffixes)
        candidates.push_back(image.parent_path() / (image.filename().string() + suffix));
    for (const auto& suffix : stemSuffixes)
        candidates.push_back(image.parent_path() / (image.stem().string() + suffix));
    for (const auto& candidate : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate;
    }
    return std::nullopt;
}

void DropCounts::add(const std::string& reason, const std::string& example) {
    for (auto& e : m_entries) {
        if (e.reason == reason) {
            ++e.count;
            return;
        }
    }
    m_entries.push_back({reason, example, 1});
}

std::string DropCounts::summary() const {
    std::string out;
    for (const auto& e : m_entries) {
        if (!out.empty()) out += "; ";
        out += std::to_string(e.count) + " " + e.reason + " (e.g. " + e.example + ")";
    }
    return out;
}

}  // namespace marionette::train_files::detail
