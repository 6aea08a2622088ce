#include "marionette/train_files/photo_warp_dataset.h"

#include "body_crop.h"
#include "layout.h"

#include "marionette/face/landmarks.h"
#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/image/tensor_image.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <filesystem>
#include <optional>

namespace marionette::train_files {

namespace {

std::vector<std::filesystem::path> photosAt(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> images;
    if (fs::is_directory(path, ec)) {
        images = detail::sortedImages(path);
    } else {
        detail::requireFile(path, "the training photo");
        if (!detail::isImageFile(path))
            throwFileError(path, "is not an image Marionette reads (PNG, JPEG, WebP, BMP, TIFF)");
        images.push_back(path);
    }
    if (images.size() > kMaxWarpedPhotos)
        throwFileError(path, "holds " + std::to_string(images.size()) +
                                 " images; photos: data keeps every photo in memory and takes at most " +
                                 std::to_string(kMaxWarpedPhotos) + " (use folder: or portraits: data for large sets)");
    return images;
}

// Keeps each image that `load` turns into a sample; the others are counted and logged by why.
template <typename Sample, typename Load>
std::vector<Sample> loadUsable(const std::string& path, const std::vector<std::filesystem::path>& images, Load load) {
    detail::DropCounts drops;
    std::vector<Sample> kept;
    for (const auto& image : images) {
        try {
            if (auto sample = load(image, drops)) kept.push_back(std::move(*sample));
        } catch (const std::exception& e) {
            drops.add("images that cannot be used", e.what());
        }
    }
    if (kept.empty())
        throwFileError(path, "no usable photo among " + std::to_string(images.size()) + " images" +
                                 (drops.empty() ? std::string() : ": " + drops.summary()));
    if (!drops.empty())
        log::warning("photos: dropped ", images.size() - kept.size(), " of ", images.size(), ": ", drops.summary());
    return kept;
}

}  // namespace

std::shared_ptr<const train::PairDataset> openWarpedPhotos(const std::string& path, const model::ModelConfig& config,
                                                           train::PhotoPairs directions) {
    const std::string scheme = directions == train::PhotoPairs::FromPhoto ? "photo-edits:" : "photos:";
    const std::string ways = directions == train::PhotoPairs::FromPhoto ? ", from the photo only" : "";
    config.validate();
    const auto images = photosAt(path);
    const ImageSize canvas = detail::canvasOf(config);
    if (config.semantics == model::SemanticsKind::Face) {
        auto faces = loadUsable<train::FacePhoto>(
            path, images, [&](const std::filesystem::path& image, detail::DropCounts& drops) {
                const auto ptsFile = detail::findBeside(image, {".landmarks.pts", ".pts"}, {".pts"});
                if (!ptsFile) {
                    drops.add("images without <image>.landmarks.pts, <image>.pts or <stem>.pts beside them",
                              image.string());
                    return std::optional<train::FacePhoto>();
                }
                const auto onCanvas =
                    image::cropFaceToCanvas(image::loadImage(image.string()), face::readPts(ptsFile->string()), canvas);
                return std::optional<train::FacePhoto>(
                    train::FacePhoto{image::imageToTensor(onCanvas.image), onCanvas.landmarks});
            });
        log::info("photos: ", faces.size(), " faces under ", path, ", each warped to other head poses and expressions");
        const std::string description =
            scheme + path + " (" + std::to_string(faces.size()) + " faces, landmark-warped" + ways + ")";
        return std::make_shared<const train::LandmarkWarpedPhotos>(std::move(faces), description, config.height,
                                                                   config.canvasWidth, directions);
    }
    auto people = loadUsable<train::PersonPhoto>(
        path, images, [&](const std::filesystem::path& image, detail::DropCounts& drops) {
            const auto poseFile = detail::firstExisting(pose::poseFileCandidates(image.string()));
            if (!poseFile) {
                drops.add("images without <image>.pose.json or <stem>_keypoints.json beside them", image.string());
                return std::optional<train::PersonPhoto>();
            }
            const pose::People found = pose::readOpenPoseJson(poseFile->string());
            if (found.empty() || found.front().presentCount() < train::kMinimumAdaptationJoints) {
                drops.add("images whose pose file has no person with at least " +
                              std::to_string(train::kMinimumAdaptationJoints) + " joints",
                          poseFile->string());
                return std::optional<train::PersonPhoto>();
            }
            auto onCanvas =
                detail::loadBodyOnCanvas(image.string(), found.front(), canvas, detail::BodyFraming::PersonBox);
            return std::optional<train::PersonPhoto>(
                train::PersonPhoto{std::move(onCanvas.image), std::move(onCanvas.pose)});
        });
    log::info("photos: ", people.size(), " photos under ", path, ", each reposed limb by limb");
    const std::string description =
        scheme + path + " (" + std::to_string(people.size()) + " photos, limb-warped" + ways + ")";
    return std::make_shared<const train::LimbWarpedPhotos>(std::move(people), description, config.height,
                                                           config.canvasWidth, synth::LimbWarpConfig{}, directions);
}

}  // namespace marionette::train_files
