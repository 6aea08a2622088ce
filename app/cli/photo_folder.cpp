#include "cli/photo_folder.h"

#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <algorithm>
#include <filesystem>

namespace marionette::cli {
namespace fs = std::filesystem;

bool isPhotoPath(const std::string& path) {
    const std::string ext = files::lowerExtension(path);
    return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "webp" || ext == "tif" || ext == "tiff" || ext == "bmp";
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
    if (ec || !fs::is_directory(folder, ec)) throwFileError(folder, "cannot make the output folder" + (ec ? ": " + ec.message() : std::string()));
}

}  // namespace marionette::cli
