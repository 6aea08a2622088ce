#include "marionette/train_files/photo_warp_dataset.h"

#include "body_crop.h"
#include "layout.h"

#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <filesystem>

namespace marionette::train_files {

std::shared_ptr<const train::LimbWarpedPhotos> openWarpedPhotos(const std::string& path, const model::ModelConfig& config) {
    config.validate();
    if (config.semantics != model::SemanticsKind::Body)
        throw Error("photos with OpenPose JSON train body models, but the model configuration is for faces");
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> images;
    if (fs::is_directory(path, ec)) {
        images = detail::sortedImages(path);
    } else {
        detail::requireFile(path, "the training photo");
        if (!detail::isImageFile(path)) throwFileError(path, "is not an image Marionette reads (PNG, JPEG, WebP, BMP, TIFF)");
        images.push_back(path);
    }
    if (images.size() > kMaxWarpedPhotos)
        throwFileError(path, "holds " + std::to_string(images.size()) + " images; photos: data keeps every photo in memory and takes at most " +
                                 std::to_string(kMaxWarpedPhotos) + " (use folder: data for large sets)");
    detail::DropCounts drops;
    std::vector<train::PersonPhoto> people;
    for (const auto& image : images) {
        const auto poseFile = detail::findBeside(image, {".pose.json"}, {"_keypoints.json"});
        if (!poseFile) {
            drops.add("images without <image>.pose.json or <stem>_keypoints.json beside them", image.string());
            continue;
        }
        try {
            const pose::People found = pose::readOpenPoseJson(poseFile->string());
            // The warp moves bones: three joints at least.
            if (found.empty() || found.front().presentCount() < 3) {
                drops.add("images whose pose file has no person with at least 3 joints", poseFile->string());
                continue;
            }
            auto onCanvas = detail::loadBodyOnCanvas(image.string(), found.front(), detail::canvasOf(config), detail::BodyFraming::PersonBox);
            people.push_back({std::move(onCanvas.image), std::move(onCanvas.pose)});
        } catch (const std::exception& e) {
            drops.add("images that cannot be used", e.what());
        }
    }
    if (people.empty())
        throwFileError(path, "no usable photo among " + std::to_string(images.size()) + " images" +
                                 (drops.empty() ? std::string() : ": " + drops.summary()));
    if (!drops.empty()) log::warning("photos: dropped ", images.size() - people.size(), " of ", images.size(), ": ", drops.summary());
    log::info("photos: ", people.size(), " photos under ", path, ", each reposed limb by limb");
    const std::string description = "photos:" + path + " (" + std::to_string(people.size()) + " photos, limb-warped)";
    return std::make_shared<const train::LimbWarpedPhotos>(std::move(people), description, config.height, config.canvasWidth);
}

}  // namespace marionette::train_files
