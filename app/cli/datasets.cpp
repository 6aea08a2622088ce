#include "cli/datasets.h"

#include "marionette/util/error.h"

namespace marionette::cli {

std::string datasetSpecs() {
    std::string specs = "synth-body[:FIRST_SEED], synth-portrait[:FIRST_SEED]";
#ifdef MARIONETTE_WITH_IMAGE
    specs += ", deepfashion:ROOT[,KEYPOINTS_CSV,PAIRS_CSV], folder:DIR, portraits:DIR";
#endif
    return specs;
}

std::shared_ptr<const train::PairDataset> openDataset(const std::string& spec, const model::ModelConfig& config) {
    throw Error("unknown training data \"" + spec + "\"; this build reads: " + datasetSpecs());
}

}  // namespace marionette::cli
