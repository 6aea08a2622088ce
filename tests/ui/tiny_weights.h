#pragma once
// Writes a weights file of randomly initialised generator weights, for tests that need weights from a file
// (the editor's adaptation).
#include "marionette/model/config.h"

#include <cstdint>
#include <string>

namespace marionette::test {

void writeRandomWeights(const std::string& path, const model::ModelConfig& config, std::uint64_t seed,
                        const std::string& trainingJson);

}  // namespace marionette::test
