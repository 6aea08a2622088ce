#include "cli/weights_argument.h"

#include "marionette/edit/bundled_weights.h"
#include "marionette/util/error.h"

namespace marionette::cli {

std::string weightsArgument(const Arguments& a, model::SemanticsKind kind) {
    if (a.has("--weights")) return a.value("--weights");
    const std::string shipped = edit::bundledWeights(kind);
    if (shipped.empty()) {
        const bool portrait = kind == model::SemanticsKind::Face;
        throw Error(std::string("the shipped ") + (portrait ? "portrait" : "body") + " weights (models/" +
                    (portrait ? edit::kBundledPortraitWeights : edit::kBundledBodyWeights) + ") are not installed: pass --weights FILE (" +
                    edit::missingBundledWeightsMessage(kind) + ")");
    }
    return shipped;
}

}  // namespace marionette::cli
