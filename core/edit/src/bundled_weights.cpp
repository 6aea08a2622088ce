#include "marionette/edit/bundled_weights.h"

#include "marionette/util/bundled_files.h"

#include <filesystem>

namespace marionette::edit {

std::string bundledWeightsName(model::SemanticsKind kind) {
    return kind == model::SemanticsKind::Face ? kBundledPortraitWeights : kBundledBodyWeights;
}

std::string bundledWeights(model::SemanticsKind kind) {
    const std::string path = bundled::findDataFile("models/" + bundledWeightsName(kind));
    std::error_code ec;
    return !path.empty() && std::filesystem::is_regular_file(path, ec) ? path : std::string();
}

std::string missingBundledWeightsMessage(model::SemanticsKind kind) {
    return bundled::notFoundMessage(bundled::dataDirs(), "models/" + bundledWeightsName(kind));
}

}  // namespace marionette::edit
