#include "marionette/edit/version_report.h"

#include "marionette/edit/bundled_weights.h"
#include "marionette/model/training_summary.h"
#include "marionette/util/build_info.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace marionette::edit {
namespace {

// The largest header read for --version; real weights' headers are a few hundred kilobytes.
constexpr std::uint64_t kMaxHeaderBytes = 16u << 20;

// The safetensors header's "__metadata__"[key], or "" (format: model/safetensors.h).
std::string headerMetadata(const std::string& path, const std::string& key) {
    std::ifstream in(path, std::ios::binary);
    unsigned char size[8] = {};
    if (!in.read(reinterpret_cast<char*>(size), 8)) return {};
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | size[i];
    if (length == 0 || length > kMaxHeaderBytes) return {};
    std::string header(length, '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(length))) return {};
    const auto json = nlohmann::json::parse(header, nullptr, false);
    if (!json.is_object() || !json.contains("__metadata__")) return {};
    const auto& metadata = json.at("__metadata__");
    if (!metadata.is_object() || !metadata.contains(key) || !metadata.at(key).is_string()) return {};
    return metadata.at(key).get<std::string>();
}

}  // namespace

std::string weightsIdentity(const std::string& path) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec) return path + " (cannot be read: " + ec.message() + ")";
    std::ostringstream text;
    text << std::filesystem::path(path).filename().string() << " (" << std::fixed << std::setprecision(1)
         << static_cast<double>(bytes) / 1e6 << " MB";
    const model::TrainingSummary training = model::summarizeTraining(headerMetadata(path, "marionette.training"));
    if (training.steps > 0)
        text << ", " << training.imagesSeen << " training images, " << training.steps << " steps";
    else
        text << ", no training record";
    text << ") in " << std::filesystem::path(path).parent_path().string();
    return text.str();
}

std::optional<model::SemanticsKind> weightsKind(const std::string& path) {
    const std::string config = headerMetadata(path, "marionette.config");
    if (config.empty()) return std::nullopt;
    try {
        return model::ModelConfig::fromJson(config).semantics;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string versionReport(const std::string& program) {
    std::string report = build_info::versionLines(program);
    for (const auto kind : {model::SemanticsKind::Body, model::SemanticsKind::Face}) {
        const std::string path = bundledWeights(kind);
        report += kind == model::SemanticsKind::Body ? "body weights: " : "portrait weights: ";
        report += path.empty() ? missingBundledWeightsMessage(kind) : weightsIdentity(path);
        report += '\n';
    }
    return report;
}

}  // namespace marionette::edit
