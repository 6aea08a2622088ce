#pragma once
// bench --data SPEC: how fast one loader thread draws training batches (the pair, its augmentation, and the
// batch's semantics and skeleton flow), to compare with the step rate: a GPU step that takes less than a
// batch's drawing waits for the loader unless more loader threads feed it.
#include "marionette/model/config.h"

#include <ostream>
#include <string>

namespace marionette::cli {

struct DataBenchOptions {
    std::string spec;           // a training data spec (datasets.h)
    model::ModelConfig config;  // the canvas and semantics the batches are for
    int batches = 8;
    int batchSize = 4;
    bool skeletonFlow = true;  // the shipped body recipe's skel term reads it
};

// Draws the batches on the calling thread, prints the time of each part per pair, and returns the pairs
// drawn per second.
double benchData(const DataBenchOptions& options, std::ostream& out);

}  // namespace marionette::cli
