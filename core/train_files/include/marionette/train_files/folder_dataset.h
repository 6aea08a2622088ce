#pragma once
// A generic body layout: one sub-folder per identity, each image with an OpenPose JSON beside it
// (`<image>.pose.json`, e.g. `a.jpg.pose.json`, or OpenPose's own `<stem>_keypoints.json`; the first person
// of the file is used). Pairs are all ordered pairs of different images within a folder. Each image is cut
// around its own person (image::personCropBox, kept inside the photo where it fits) and resized to the
// canvas.
//
//   people/
//     alice/ 1.jpg 1.jpg.pose.json 2.png 2_keypoints.json ...
//     bob/   ...
#include "marionette/model/config.h"
#include "marionette/pose/pose.h"
#include "marionette/train/data.h"
#include "marionette/train_files/ordered_pairs.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace marionette::train_files {

struct FolderOptions {
    std::string root;
    int minimumJoints = 2;  // images whose person has fewer present joints are dropped (a crop needs two)
};

class FolderDataset : public train::PairDataset {
public:
    // Lists the folders and reads every pose file. Images without a pose file, with an unreadable one, or
    // without a person of at least minimumJoints joints are dropped, counted and logged. Throws
    // marionette::Error naming the root when it is missing or when no folder has two usable images, and
    // when the model is not a body model.
    FolderDataset(FolderOptions options, const model::ModelConfig& config);
    FolderDataset(const std::string& root, const model::ModelConfig& config)
        : FolderDataset(FolderOptions{root}, config) {}

    std::string description() const override;
    std::size_t size() const override { return m_pairs.size(); }
    // Pair `index` in a fixed order: folder by folder (sorted by name), and within a folder of n images
    // (sorted by name) reference a and target b at index a * (n - 1) + (b < a ? b : b - 1).
    train::PairSample pair(std::size_t index, std::uint64_t seed) const override;

    std::size_t droppedImages() const { return m_droppedImages; }
    std::size_t identityCount() const { return m_identities.size(); }
    std::pair<std::string, std::string> pairPaths(std::size_t index) const;

private:
    struct Image {
        std::string path;
        pose::Pose pose;
    };
    struct Identity {
        std::string folder;
        std::vector<Image> images;
    };
    const Image& image(std::size_t identity, std::size_t member) const { return m_identities[identity].images[member]; }

    FolderOptions m_options;
    model::ModelConfig m_config;
    std::vector<Identity> m_identities;  // only those with at least two usable images
    OrderedPairs m_pairs;
    std::size_t m_droppedImages = 0;
};

}  // namespace marionette::train_files
