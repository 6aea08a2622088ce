#include "cli/weights_argument.h"

#include "marionette/edit/bundled_weights.h"
#include "marionette/util/error.h"

namespace marionette::cli {

std::string weightsArgument(const Arguments& a, model::SemanticsKind kind, const std::string& option) {
    if (a.has(option)) return a.value(option);
    const std::string shipped = edit::bundledWeights(kind);
    if (shipped.empty()) {
        const bool portrait = kind == model::SemanticsKind::Face;
        throw Error(std::string("the shipped ") + (portrait ? "portrait" : "body") + " weights (models/" +
                    (portrait ? edit::kBundledPortraitWeights : edit::kBundledBodyWeights) +
                    ") are not installed: pass " + option + " FILE (" + edit::missingBundledWeightsMessage(kind) + ")");
    }
    return shipped;
}

}  // namespace marionette::cli
