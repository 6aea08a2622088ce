#pragma once
// A weights file's training record (marionette.training, docs/model.md "Weights files"), read for people: the
// editor's banner and the model's description. Free of LibTorch, so ui/ can hold one.
#include <cstdint>
#include <string>

namespace marionette::model {

// A training record's data of several sets (train::InterleavedDatasets) names them joined by this.
constexpr const char* kDataMixSeparator = " + ";

// What a weights file's marionette.training says about how it was made; fields it lacks stay 0 or empty,
// and text that is not a JSON object gives an empty summary (it only informs, it never decides a load).
struct TrainingSummary {
    // Of this file's training, with the weights it continued (--init with the same data, or a mix that has it)
    // counted in.
    std::uint64_t imagesSeen = 0;
    std::uint64_t steps = 0;
    std::string data;  // the dataset's description, e.g. "synth-body (procedural, training seeds)"
    // Weights fine-tuned from others (marionette.training's "init"): the file they started from and what it
    // had learnt (0 and empty when not recorded).
    std::string initWeights;
    std::uint64_t initImagesSeen = 0;
    std::string initData;

    // Every training image came from core/synth's generators (no photographs); a mix of sets ("A + B") only
    // when each of them did.
    bool syntheticOnly() const;
    // Fine-tuned on limb-warped copies of a few photos (train::adaptWeights, or the trainer's photos: data).
    bool adaptedToPhotos() const { return data.rfind("photo", 0) == 0; }
};
TrainingSummary summarizeTraining(const std::string& trainingJson);

}  // namespace marionette::model
