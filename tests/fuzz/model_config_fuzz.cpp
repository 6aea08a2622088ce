// A weights file's model configuration (the "marionette.config" metadata, model/config.h): the JSON object that
// decides the network's shapes before any tensor is read.
#include "fuzz_targets.h"

#include "marionette/model/config.h"

#include <optional>

namespace marionette::fuzz {

int fuzzModelConfig(const std::uint8_t* data, std::size_t size) {
    std::optional<model::ModelConfig> config;
    readOrRefuse([&] { config = model::ModelConfig::fromJson(bytesOf(data, size)); });
    if (!config) return 0;

    // Whatever was accepted is a configuration a generator can be built from (the same checks as the trainer's).
    try {
        config->validate();
    } catch (const Error& e) {
        require(false, std::string("model config: accepted, then refused by validate(): ") + e.what());
    }
    require(config->semanticChannels() > 0, "model config: no semantic channels");
    // Written back and read again, the same configuration.
    const std::string written = config->toJson();
    const model::ModelConfig again = model::ModelConfig::fromJson(written);
    require(again.toJson() == written, "model config: changed on writing it back");
    return 0;
}

}  // namespace marionette::fuzz
