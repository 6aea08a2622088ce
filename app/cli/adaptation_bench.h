#pragma once
// bench --adapt N: the time of Model > Adapt to This Photo (train::adaptWeights), run on a procedural person
// or face that stands in for the photo, so that it runs where no image library is built (a GPU machine with
// LibTorch alone).
#include "marionette/engine/device.h"

#include <ostream>
#include <string>

namespace marionette::cli {

struct AdaptationBenchOptions {
    std::string weightsPath;  // body or portrait weights
    int steps = 150;
    engine::Device device = engine::Device::Auto;
    int threads = 0;
};

// Runs the adaptation, prints its time per step and in all, and returns the seconds it took (the adapted
// weights are written to a scratch file and removed).
double benchAdaptation(const AdaptationBenchOptions& options, std::ostream& out);

}  // namespace marionette::cli
