#include "marionette/edit/bundled_weights.h"

#include "marionette/util/bundled_files.h"

#include <filesystem>

namespace marionette::edit {

std::string bundledWeights(model::SemanticsKind kind) {
    const std::string path =
        bundled::modelPath(kind == model::SemanticsKind::Face ? kBundledPortraitWeights : kBundledBodyWeights);
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec) ? path : std::string();
}

}  // namespace marionette::edit
