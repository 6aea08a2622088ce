#pragma once
// DeepFashion In-shop pairs as prepared by the pose-transfer literature: an image folder, a keypoint CSV
// (name:keypoints_y:keypoints_x, COCO-18, -1 for missing) and a pairs CSV (from,to) naming images such as
// `fashionMENDenimid0000008001_1front.jpg`.
//
// The image folder may be flat (the names of the CSVs as files, at any depth below the root) or the
// In-shop tree (`img/MEN/Denim/id_00000080/01_1_front.jpg`, whose flat name is the one above): a name ->
// path index covering both is built once at load. Keypoints are in the pixels of the image they belong
// to. An image with the canvas's aspect ratio (the literature's 256 x 176 images on the 256 x 176 canvas)
// is resized whole, keeping the data set's framing; any other image is cut with the person's crop box
// (image::personCropBox) and resized to the canvas, its pose mapped with BoxToCanvas.
//
// Usage:
//   auto data = std::make_shared<DeepFashionDataset>(root, root + "/fasion-annotation-train.csv",
//                                                    root + "/fasion-pairs-train.csv", model::ModelConfig::body());
#include "marionette/model/config.h"
#include "marionette/pose/pose.h"
#include "marionette/train/data.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace marionette::train_files {

struct DeepFashionOptions {
    std::string root;         // image folder (flat or the In-shop tree)
    std::string keypointCsv;  // name:keypoints_y:keypoints_x
    std::string pairsCsv;     // from,to
};

class DeepFashionDataset : public train::PairDataset {
public:
    // Reads both CSVs and indexes the images under the root. Pairs naming an image without keypoints or
    // an image missing under the root are dropped, counted and logged. Throws marionette::Error naming the
    // path for a missing folder or CSV, a malformed CSV, or when no usable pair remains; also when the
    // model is not a body model.
    DeepFashionDataset(DeepFashionOptions options, const model::ModelConfig& config);
    DeepFashionDataset(const std::string& root, const std::string& keypointCsv, const std::string& pairsCsv,
                       const model::ModelConfig& config)
        : DeepFashionDataset(DeepFashionOptions{root, keypointCsv, pairsCsv}, config) {}

    std::string description() const override;
    std::size_t size() const override { return m_pairs.size(); }
    // Loads, crops and maps both images; `seed` is unused (the loader augments). Throws marionette::Error
    // naming the image for a corrupt file or a pose that cannot place a crop.
    train::PairSample pair(std::size_t index, std::uint64_t seed) const override;

    std::size_t droppedPairs() const { return m_droppedPairs; }
    std::size_t imageCount() const { return m_images.size(); }
    // The image file of pair `index`'s reference and target (for logs and tools).
    std::pair<std::string, std::string> pairPaths(std::size_t index) const;

private:
    struct Image {
        std::string path;
        pose::Pose pose;
    };
    DeepFashionOptions m_options;
    model::ModelConfig m_config;
    std::vector<Image> m_images;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> m_pairs;  // indices into m_images
    std::size_t m_droppedPairs = 0;
};

// The flat DeepFashion name of an In-shop file from its last four path components:
// MEN/Denim/id_00000080/01_1_front.jpg -> fashionMENDenimid0000008001_1front.jpg (the conversion of the
// pose-transfer literature). nullopt for a path with fewer components or a file name without '_'.
std::optional<std::string> deepFashionFlatName(const std::filesystem::path& path);

}  // namespace marionette::train_files
