#pragma once
// Training data named by one string (the trainer's --data option):
//   deepfashion:ROOT[,KEYPOINTS_CSV,PAIRS_CSV]   DeepFashion In-shop (deepfashion_dataset.h); the CSVs default
//                                               to ROOT/fasion-annotation-train.csv and ROOT/fasion-pairs-train.csv
//                                               (the literature's spelling; "fashion-" is accepted too); a
//                                               relative CSV path that does not exist is looked up in ROOT
//   folder:DIR                                   one folder per identity with OpenPose JSON (folder_dataset.h)
//   portraits:DIR                                one folder per video with .pts landmarks (portrait_frames_dataset.h)
#include "marionette/model/config.h"
#include "marionette/train/data.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace marionette::train_files {

struct DatasetScheme {
    std::string name;   // "folder"
    std::string usage;  // "folder:DIR"
    std::string help;   // one line for --help
    // Opens the data set from the text after "name:"; throws marionette::Error naming what is wrong.
    std::function<std::shared_ptr<const train::PairDataset>(const std::string& argument,
                                                            const model::ModelConfig& config)>
        open;
};

// Every scheme makeDataset knows, in the order listed in help and errors. A new kind of data is one more
// entry in this list (dataset_spec.cpp).
const std::vector<DatasetScheme>& datasetSchemes();

// "scheme:argument" -> the data set. Throws marionette::Error listing the valid forms for an unknown
// scheme or an empty argument, and the data set's own errors (naming the path) otherwise.
std::shared_ptr<const train::PairDataset> makeDataset(const std::string& spec, const model::ModelConfig& config);

}  // namespace marionette::train_files
