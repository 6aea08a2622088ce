#include "tiny_weights.h"

#include <torch/types.h>

#include "marionette/model/generator.h"
#include "marionette/model/weights.h"

namespace marionette::test {

void writeRandomWeights(const std::string& path, const model::ModelConfig& config, std::uint64_t seed,
                        const std::string& trainingJson) {
    torch::manual_seed(seed);
    model::Generator generator(config);
    model::saveGeneratorWeights(path, *generator, trainingJson, model::StoredPrecision::Float32);
}

}  // namespace marionette::test
