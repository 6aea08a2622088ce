#include "marionette/train_files/folder_dataset.h"

#include "body_crop.h"
#include "layout.h"

#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

namespace marionette::train_files {

FolderDataset::FolderDataset(FolderOptions options, const model::ModelConfig& config)
    : m_options(std::move(options)), m_config(config) {
    m_config.validate();
    if (m_config.semantics != model::SemanticsKind::Body)
        throw Error("folders of people with OpenPose JSON train body models, but the model configuration is for faces");
    detail::requireFolder(m_options.root, "the training image folder");

    detail::DropCounts drops;
    if (const auto loose = detail::sortedImages(m_options.root); !loose.empty()) {
        log::warning("folder data: ", loose.size(), " images directly in ", m_options.root,
                     " are ignored: put each identity's images in a sub-folder of their own");
    }
    std::size_t seen = 0;
    std::vector<std::size_t> groupSizes;
    for (const auto& folder : detail::sortedSubfolders(m_options.root)) {
        Identity identity{folder.string(), {}};
        for (const auto& path : detail::sortedImages(folder)) {
            ++seen;
            const auto poseFile = detail::firstExisting(pose::poseFileCandidates(path.string()));
            if (!poseFile) {
                drops.add("images without <image>.pose.json or <stem>_keypoints.json beside them", path.string());
                continue;
            }
            pose::People people;
            try {
                people = pose::readOpenPoseJson(poseFile->string());
            } catch (const std::exception& e) {
                drops.add("images with an unreadable pose file", e.what());
                continue;
            }
            if (people.empty() || people.front().presentCount() < m_options.minimumJoints) {
                drops.add("images whose pose file has no person with at least " +
                              std::to_string(m_options.minimumJoints) + " joints",
                          poseFile->string());
                continue;
            }
            identity.images.push_back({path.string(), people.front()});
        }
        if (identity.images.size() == 1)
            drops.add("images alone in their folder (a pair needs two)", identity.images[0].path);
        if (identity.images.size() >= 2) {
            groupSizes.push_back(identity.images.size());
            m_identities.push_back(std::move(identity));
        }
    }
    std::size_t used = 0;
    for (const std::size_t n : groupSizes) used += n;
    m_droppedImages = seen - used;
    m_pairs = OrderedPairs(groupSizes);
    if (m_identities.empty()) {
        throwFileError(m_options.root,
                       "no usable pairs: no sub-folder holds two images with an OpenPose JSON beside them "
                       "(<image>.pose.json or <stem>_keypoints.json); " +
                           std::to_string(seen) + " images found in sub-folders" +
                           (drops.empty() ? std::string() : ": " + drops.summary()));
    }
    if (!drops.empty())
        log::warning("folder data: dropped ", m_droppedImages, " of ", seen, " images under ", m_options.root, ": ",
                     drops.summary());
    log::info("folder data: ", size(), " pairs of ", used, " images in ", m_identities.size(), " folders under ",
              m_options.root);
}

std::string FolderDataset::description() const {
    return "folder:" + m_options.root + " (" + std::to_string(size()) + " pairs of " +
           std::to_string(m_identities.size()) + " identities)";
}

std::pair<std::string, std::string> FolderDataset::pairPaths(std::size_t index) const {
    const auto p = m_pairs.at(index);
    return {image(p.group, p.from).path, image(p.group, p.to).path};
}

train::PairSample FolderDataset::pair(std::size_t index, std::uint64_t /*seed*/) const {
    const auto p = m_pairs.at(index);
    const Image& from = image(p.group, p.from);
    const Image& to = image(p.group, p.to);
    const ImageSize canvas = detail::canvasOf(m_config);
    return detail::loadBodyPair(from.path, from.pose, to.path, to.pose, canvas, detail::BodyFraming::PersonBox);
}

}  // namespace marionette::train_files
