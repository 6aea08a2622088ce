#include "cli/photo_folder.h"

#include "cli/batch_report.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace marionette::cli {
namespace fs = std::filesystem;

bool isPhotoPath(const std::string& path) {
    const std::string ext = files::lowerExtension(path);
    return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "webp" || ext == "tif" || ext == "tiff" ||
           ext == "bmp";
}

std::vector<std::string> photosIn(const std::string& folder) {
    std::error_code ec;
    std::vector<std::string> photos;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && isPhotoPath(it->path().string())) photos.push_back(it->path().string());
    }
    if (ec) throwFileError(folder, "cannot list the folder: " + ec.message());
    std::sort(photos.begin(), photos.end());
    return photos;
}

void makeOutputFolder(const std::string& folder) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec || !fs::is_directory(folder, ec))
        throwFileError(folder, "cannot make the output folder" + (ec ? ": " + ec.message() : std::string()));
}

int forEachPhotoIn(const std::string& folder, const std::string& outFolder, const std::string& suffix,
                   const std::function<std::string(const std::string& photo, const std::string& output)>& onePhoto,
                   std::ostream& out, std::ostream& err) {
    const auto photos = photosIn(folder);
    if (photos.empty()) throwFileError(folder, "has no photos (.jpg, .png, .webp, .tiff, .bmp)");
    makeOutputFolder(outFolder);
    BatchReport report(photos.size(), err, isTerminal(err));
    for (const auto& photo : photos) {
        const auto start = std::chrono::steady_clock::now();
        const std::string name = fs::path(photo).filename().string();
        const std::string output = (fs::path(outFolder) / (name + suffix)).string();
        const auto seconds = [&] {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        };
        try {
            const std::string written = onePhoto(photo, output);
            report.succeeded(name, written, seconds());
        } catch (const std::exception& e) {
            report.failed(name, e.what(), seconds());
        }
    }
    report.printSummary(out);
    return report.exitCode();
}

}  // namespace marionette::cli
