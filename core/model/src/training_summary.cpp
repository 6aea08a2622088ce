#include "marionette/model/training_summary.h"

#include "marionette/util/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace marionette::model {

namespace {

std::vector<std::string> dataParts(const std::string& data) { return splitText(data, kDataMixSeparator); }

// Whether training on `data` went on with the data `parent` was trained on (the same set, or a mix that has
// every set of the parent's).
bool continuesData(const std::string& data, const std::string& parent) {
    if (data.empty() || parent.empty()) return false;
    const auto mine = dataParts(data);
    for (const auto& part : dataParts(parent))
        if (std::find(mine.begin(), mine.end(), part) == mine.end()) return false;
    return true;
}

void readRecord(const nlohmann::json& json, TrainingSummary& summary) {
    const auto count = [&](const char* key) -> std::uint64_t {
        const auto it = json.find(key);
        return it != json.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
    };
    summary.imagesSeen = count("images_seen");
    summary.steps = count("steps");
    if (const auto it = json.find("data"); it != json.end() && it->is_string()) summary.data = it->get<std::string>();
}

TrainingSummary summarizeRecord(const nlohmann::json& json) {
    TrainingSummary summary;
    readRecord(json, summary);
    const auto init = json.find("init");
    if (init == json.end() || !init->is_object()) return summary;
    if (const auto it = init->find("weights"); it != init->end() && it->is_string())
        summary.initWeights = it->get<std::string>();
    if (const auto it = init->find("training"); it != init->end() && it->is_object()) {
        const TrainingSummary parent = summarizeRecord(*it);  // its own continuations counted
        summary.initImagesSeen = parent.imagesSeen;
        summary.initData = parent.data;
        // A run that went on from released weights with the same data (--init), or with a mix that includes it,
        // continues their training: their images and steps are this file's too. Other data (a photo, faces
        // after bodies) starts anew.
        if (continuesData(summary.data, parent.data)) {
            summary.imagesSeen += parent.imagesSeen;
            summary.steps += parent.steps;
        }
    }
    return summary;
}

}  // namespace

bool TrainingSummary::syntheticOnly() const {
    if (data.empty()) return false;
    for (const auto& part : dataParts(data))
        if (part.rfind("synth-", 0) != 0) return false;
    return true;
}

TrainingSummary summarizeTraining(const std::string& trainingJson) {
    const auto json = nlohmann::json::parse(trainingJson, nullptr, /*allow_exceptions=*/false);
    return json.is_object() ? summarizeRecord(json) : TrainingSummary{};
}

}  // namespace marionette::model
