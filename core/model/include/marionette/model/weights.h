#pragma once
// Weights files (docs/model.md, "Weights files"): safetensors whose tensor names mirror the module tree and
// whose metadata holds marionette.format, marionette.config (JSON) and marionette.training (JSON).
#include "marionette/model/generator.h"
#include "marionette/model/safetensors.h"

#include <string>

namespace marionette::model {

// Format 2 added "appearance_norm" to the config (its reference encoder and decoder may have no instance norm);
// format 1 files have no such key and are read as the instance-norm layout they were written with. Builds that
// read only format 1 refuse format 2 files by their version instead of failing on missing tensors.
// Format 3 is written only by models with a flow prior (their config's "flow_prior", tensors flow.prior_in*,
// flow.residual*, dec.visibility and no flow.head*): builds that read up to format 2 refuse them by their version.
// Other models still write format 2.
constexpr int kWeightsFormatVersion = 3;
constexpr int kFlowPriorWeightsFormatVersion = 3;
constexpr int kPlainWeightsFormatVersion = 2;
constexpr int kOldestWeightsFormatVersion = 1;

enum class StoredPrecision { Float32, Float16 };

struct LoadedGenerator {
    Generator generator{nullptr};
    std::string trainingJson;  // marionette.training, "{}" when absent
};

// The module's parameters and buffers by their registered names, as a state to save.
std::vector<NamedTensor> moduleState(torch::nn::Module& module, StoredPrecision precision,
                                     const std::string& prefix = "");

// Copies tensors named `prefix + name` into the module's parameters and buffers (converted to their
// dtype). Refuses, naming the first offending tensor, a missing tensor, a shape mismatch or a non-float
// tensor; with `allowOthers` false, also a tensor in the file that the module does not have.
void loadModuleState(torch::nn::Module& module, const SafetensorsContent& content, const std::string& source,
                     const std::string& prefix = "", bool allowOthers = false);

// Transfer learning between models that differ only in what they read (a body model's weights as the start
// of a portrait model): copies every parameter and buffer whose name and shape match and returns the names
// of those left as they were (the first convolutions of the networks that read the semantic maps).
std::vector<std::string> copyMatchingTensors(torch::nn::Module& module, const SafetensorsContent& content);

// Loads a weights file into an existing generator (--init of the trainer). The file's configuration must
// describe the same layout, except that weights without a flow prior load into a generator with one: every
// shared tensor is copied; the prior's input convolutions, its residual heads and the visibility head keep their
// zero initialisation (so the model starts as the prior warp, with the file's features); the file's absolute
// flow heads (flow.head8, flow.head4) are not used. Weights with a flow prior into a generator without one are
// refused with a sentence. Returns the names of the generator's tensors the file did not give.
std::vector<std::string> loadGeneratorState(GeneratorImpl& generator, const SafetensorsContent& content,
                                            const std::string& source);

void saveGeneratorWeights(const std::string& path, GeneratorImpl& generator, const std::string& trainingJson,
                          StoredPrecision precision);
// Builds the generator that the file's own configuration describes and loads it (on the CPU, fp32).
LoadedGenerator loadGeneratorWeights(const std::string& path);
LoadedGenerator loadGeneratorWeights(const SafetensorsContent& content, const std::string& source);

// Reads only the configuration from a weights file's metadata.
ModelConfig configFromMetadata(const SafetensorsContent& content, const std::string& source);

}  // namespace marionette::model
