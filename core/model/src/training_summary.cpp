#include "marionette/model/training_summary.h"

#include <nlohmann/json.hpp>

namespace marionette::model {

namespace {

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
    if (const auto it = init->find("weights"); it != init->end() && it->is_string()) summary.initWeights = it->get<std::string>();
    if (const auto it = init->find("training"); it != init->end() && it->is_object()) {
        const TrainingSummary parent = summarizeRecord(*it);  // its own continuations counted
        summary.initImagesSeen = parent.imagesSeen;
        summary.initData = parent.data;
        // A run that went on from released weights with the same data (--init) continues their training:
        // their images and steps are this file's too. Other data (a photo, faces after bodies) starts anew.
        if (!summary.data.empty() && summary.data == parent.data) {
            summary.imagesSeen += parent.imagesSeen;
            summary.steps += parent.steps;
        }
    }
    return summary;
}

}  // namespace

TrainingSummary summarizeTraining(const std::string& trainingJson) {
    const auto json = nlohmann::json::parse(trainingJson, nullptr, /*allow_exceptions=*/false);
    return json.is_object() ? summarizeRecord(json) : TrainingSummary{};
}

}  // namespace marionette::model
