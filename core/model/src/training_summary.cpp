#include "marionette/model/training_summary.h"

#include <nlohmann/json.hpp>

namespace marionette::model {

TrainingSummary summarizeTraining(const std::string& trainingJson) {
    TrainingSummary summary;
    const auto json = nlohmann::json::parse(trainingJson, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return summary;
    const auto count = [&](const char* key) -> std::uint64_t {
        const auto it = json.find(key);
        return it != json.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
    };
    summary.imagesSeen = count("images_seen");
    summary.steps = count("steps");
    if (const auto it = json.find("data"); it != json.end() && it->is_string()) summary.data = it->get<std::string>();
    return summary;
}

}  // namespace marionette::model
