#include "marionette/train_files/dataset_spec.h"

#include "layout.h"

#include "marionette/train_files/deepfashion_dataset.h"
#include "marionette/train_files/folder_dataset.h"
#include "marionette/train_files/photo_warp_dataset.h"
#include "marionette/train_files/portrait_frames_dataset.h"
#include "marionette/util/error.h"

#include <sstream>

namespace marionette::train_files {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> splitCommas(const std::string& text) {
    std::vector<std::string> parts;
    std::istringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) parts.push_back(part);
    if (!text.empty() && text.back() == ',') parts.emplace_back();
    return parts;
}

bool pathExists(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

// The first default name present in `root`, for example fasion-annotation-train.csv or fashion-annotation-train.csv.
std::string defaultCsv(const std::string& root, const std::string& kind) {
    const std::vector<std::string> names = {"fasion-" + kind + "-train.csv", "fashion-" + kind + "-train.csv"};
    for (const auto& name : names) {
        if (pathExists(fs::path(root) / name)) return (fs::path(root) / name).string();
    }
    detail::requireFolder(root, "the DeepFashion image folder");
    throwFileError(root, "neither " + names[0] + " nor " + names[1] +
                             " is in the folder; name the CSVs: deepfashion:ROOT,KEYPOINTS_CSV,PAIRS_CSV");
}

// A CSV path as given, or inside ROOT when it is relative and only exists there.
std::string csvPath(const std::string& root, const std::string& given) {
    const fs::path path(given);
    if (path.is_relative() && !pathExists(path) && pathExists(fs::path(root) / path))
        return (fs::path(root) / path).string();
    return given;
}

std::shared_ptr<const train::PairDataset> openDeepFashion(const std::string& argument,
                                                          const model::ModelConfig& config) {
    const auto parts = splitCommas(argument);
    if (parts.size() != 1 && parts.size() != 3)
        throw Error("deepfashion:" + argument + " names " + std::to_string(parts.size()) +
                    " paths; expected deepfashion:ROOT or deepfashion:ROOT,KEYPOINTS_CSV,PAIRS_CSV");
    for (const auto& part : parts) {
        if (part.empty()) throw Error("deepfashion:" + argument + " has an empty path");
    }
    const std::string& root = parts[0];
    DeepFashionOptions options{root, {}, {}};
    if (parts.size() == 1) {
        options.keypointCsv = defaultCsv(root, "annotation");
        options.pairsCsv = defaultCsv(root, "pairs");
    } else {
        options.keypointCsv = csvPath(root, parts[1]);
        options.pairsCsv = csvPath(root, parts[2]);
    }
    return std::make_shared<DeepFashionDataset>(options, config);
}

}  // namespace

const std::vector<DatasetScheme>& datasetSchemes() {
    static const std::vector<DatasetScheme> schemes = {
        {"deepfashion", "deepfashion:ROOT[,KEYPOINTS_CSV,PAIRS_CSV]",
         "DeepFashion In-shop images with the keypoint and pairs CSVs of the pose-transfer literature",
         openDeepFashion},
        {"folder", "folder:DIR", "one sub-folder per person, each image with an OpenPose JSON beside it",
         [](const std::string& dir, const model::ModelConfig& config) -> std::shared_ptr<const train::PairDataset> {
             return std::make_shared<FolderDataset>(dir, config);
         }},
        {"photos", "photos:IMAGE|DIR",
         "single photos, each with an OpenPose JSON (body) or a .pts of 68 landmarks (face) beside it, reposed limb by "
         "limb or "
         "warped to other head poses and expressions (fine-tuning on your own people)",
         [](const std::string& path, const model::ModelConfig& config) -> std::shared_ptr<const train::PairDataset> {
             return openWarpedPhotos(path, config);
         }},
        {"photo-edits", "photo-edits:IMAGE|DIR",
         "as photos:, only the pairs from each photo to a warped copy, the way an edit goes (to judge an adaptation "
         "with eval)",
         [](const std::string& path, const model::ModelConfig& config) -> std::shared_ptr<const train::PairDataset> {
             return openWarpedPhotos(path, config, train::PhotoPairs::FromPhoto);
         }},
        {"portraits", "portraits:DIR", "one sub-folder per video, each frame with a .pts landmark file beside it",
         [](const std::string& dir, const model::ModelConfig& config) -> std::shared_ptr<const train::PairDataset> {
             return std::make_shared<PortraitFramesDataset>(dir, config);
         }},
    };
    return schemes;
}

std::shared_ptr<const train::PairDataset> makeDataset(const std::string& spec, const model::ModelConfig& config) {
    const auto colon = spec.find(':');
    const std::string scheme = spec.substr(0, colon);
    const std::string argument = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
    std::string validForms;
    for (const auto& s : datasetSchemes()) validForms += (validForms.empty() ? "" : ", ") + s.usage;
    for (const auto& s : datasetSchemes()) {
        if (s.name != scheme || colon == std::string::npos) continue;
        if (argument.empty()) throw Error("the data set \"" + spec + "\" names no path; use " + s.usage);
        return s.open(argument, config);
    }
    throw Error("unknown data set \"" + spec + "\"; the valid forms are " + validForms);
}

}  // namespace marionette::train_files
