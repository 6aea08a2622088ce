#pragma once
// Opens a training data set from its spec string, for the train and eval verbs:
//   synth-body[:SPLIT]        procedural people (core/synth), SPLIT training (default), validation or report
//   synth-body-edits[:SPLIT]  the same people edited as in the editor: a part or two turned, the camera kept
//   synth-portrait[:SPLIT]    procedural and warped portraits (core/synth)
//   deepfashion:ROOT[,KEYPOINTS_CSV,PAIRS_CSV] | folder:DIR | photos:... | portraits:DIR   (full build only)
//   SPEC+SPEC+...             the sets taken in turn (train::InterleavedDatasets)
#include "marionette/model/config.h"
#include "marionette/train/data.h"

#include <memory>
#include <string>

namespace marionette::cli {

std::shared_ptr<const train::PairDataset> openDataset(const std::string& spec, const model::ModelConfig& config);

// The spec strings this build understands, for help texts and errors.
std::string datasetSpecs();

}  // namespace marionette::cli
