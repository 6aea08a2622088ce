#pragma once
// Opens a training data set from its spec string, for the train and eval verbs:
//   synth-body[:FIRST_SEED]      procedural people (core/synth)
//   synth-portrait[:FIRST_SEED]  procedural and warped portraits (core/synth)
//   deepfashion:ROOT[,KEYPOINTS_CSV,PAIRS_CSV] | folder:DIR | portraits:DIR   (full build only)
#include "marionette/model/config.h"
#include "marionette/train/data.h"

#include <memory>
#include <string>

namespace marionette::cli {

std::shared_ptr<const train::PairDataset> openDataset(const std::string& spec, const model::ModelConfig& config);

// The spec strings this build understands, for help texts and errors.
std::string datasetSpecs();

}  // namespace marionette::cli
