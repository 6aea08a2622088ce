#include "marionette/train_files/deepfashion_dataset.h"

#include "body_crop.h"
#include "layout.h"

#include "marionette/pose/deepfashion_csv.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace marionette::train_files {
namespace {

namespace fs = std::filesystem;

std::string withoutUnderscores(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    return s;
}

// Paths of the wanted names under `root`: a file counts under its own name and under its flat In-shop
// name. Where a name occurs twice, the smallest path wins (the walk order is unspecified).
std::unordered_map<std::string, std::string> indexImages(const std::string& root,
                                                         const std::unordered_set<std::string>& wanted,
                                                         detail::DropCounts& duplicates) {
    std::unordered_map<std::string, std::string> pathOf;
    auto record = [&](const std::string& name, const fs::path& path) {
        if (!wanted.count(name)) return;
        auto [it, inserted] = pathOf.emplace(name, path.string());
        if (inserted || it->second == path.string()) return;
        duplicates.add(
            "image names found more than once under the image folder, the first path in sort order used",
            name + " at " + std::min(it->second, path.string()) + " and " + std::max(it->second, path.string()));
        it->second = std::min(it->second, path.string());
    };
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        std::error_code typeError;
        if (!it->is_regular_file(typeError) || !detail::isImageFile(it->path())) continue;
        record(it->path().filename().string(), it->path());
        if (const auto flat = deepFashionFlatName(it->path().lexically_relative(root))) record(*flat, it->path());
    }
    if (ec) throwFileError(root, "cannot list the image folder: " + ec.message());
    return pathOf;
}

}  // namespace

std::optional<std::string> deepFashionFlatName(const fs::path& path) {
    std::vector<std::string> parts;
    for (const auto& part : path) parts.push_back(part.string());
    if (parts.size() < 4) return std::nullopt;
    const std::string& gender = parts[parts.size() - 4];
    const std::string& category = parts[parts.size() - 3];
    const std::string& id = parts[parts.size() - 2];
    const std::string& file = parts[parts.size() - 1];
    const auto underscore = file.find('_');
    if (underscore == std::string::npos) return std::nullopt;
    // 01_1_front.jpg -> 01_1front.jpg: the first underscore stays, the others go.
    return "fashion" + gender + category + withoutUnderscores(id) + file.substr(0, underscore + 1) +
           withoutUnderscores(file.substr(underscore + 1));
}

DeepFashionDataset::DeepFashionDataset(DeepFashionOptions options, const model::ModelConfig& config)
    : m_options(std::move(options)), m_config(config) {
    m_config.validate();
    if (m_config.semantics != model::SemanticsKind::Body)
        throw Error("DeepFashion pairs train body models, but the model configuration is for faces");
    detail::requireFolder(m_options.root, "the DeepFashion image folder");
    detail::requireFile(m_options.keypointCsv, "the DeepFashion keypoint CSV");
    detail::requireFile(m_options.pairsCsv, "the DeepFashion pairs CSV");

    std::unordered_map<std::string, pose::Pose> poseOf;
    for (auto& named : pose::readDeepFashionKeypoints(m_options.keypointCsv))
        poseOf.emplace(named.name, std::move(named.pose));
    const auto pairs = pose::readDeepFashionPairs(m_options.pairsCsv);
    if (pairs.empty()) throwFileError(m_options.pairsCsv, "the pairs CSV lists no pairs");

    std::unordered_set<std::string> wanted;
    for (const auto& p : pairs) {
        if (poseOf.count(p.from) && poseOf.count(p.to)) wanted.insert({p.from, p.to});
    }
    detail::DropCounts duplicates, drops;
    const auto pathOf = indexImages(m_options.root, wanted, duplicates);
    if (!duplicates.empty()) log::warning("DeepFashion: ", m_options.root, ": ", duplicates.summary());

    std::unordered_map<std::string, std::uint32_t> imageIndex;
    auto imageOf = [&](const std::string& name) {
        auto [it, inserted] = imageIndex.emplace(name, static_cast<std::uint32_t>(m_images.size()));
        if (inserted) m_images.push_back({pathOf.at(name), poseOf.at(name)});
        return it->second;
    };
    for (const auto& p : pairs) {
        const std::string example = p.from + " -> " + p.to;
        if (!poseOf.count(p.from) || !poseOf.count(p.to)) {
            drops.add("pairs naming an image without keypoints in " + m_options.keypointCsv, example);
        } else if (!pathOf.count(p.from) || !pathOf.count(p.to)) {
            drops.add("pairs naming an image not found under " + m_options.root, example);
        } else {
            m_pairs.emplace_back(imageOf(p.from), imageOf(p.to));
        }
    }
    m_droppedPairs = pairs.size() - m_pairs.size();
    if (m_pairs.empty())
        throwFileError(m_options.pairsCsv,
                       "no usable pairs among its " + std::to_string(pairs.size()) + ": " + drops.summary());
    if (!drops.empty())
        log::warning("DeepFashion: dropped ", m_droppedPairs, " of ", pairs.size(), " pairs of ", m_options.pairsCsv,
                     ": ", drops.summary());
    log::info("DeepFashion: ", m_pairs.size(), " pairs of ", m_images.size(), " images under ", m_options.root);
}

std::string DeepFashionDataset::description() const {
    return "deepfashion:" + m_options.root + "," + m_options.keypointCsv + "," + m_options.pairsCsv + " (" +
           std::to_string(m_pairs.size()) + " pairs)";
}

std::pair<std::string, std::string> DeepFashionDataset::pairPaths(std::size_t index) const {
    if (index >= m_pairs.size())
        throw Error("pair " + std::to_string(index) + " does not exist: the data set has " +
                    std::to_string(m_pairs.size()) + " pairs");
    return {m_images[m_pairs[index].first].path, m_images[m_pairs[index].second].path};
}

train::PairSample DeepFashionDataset::pair(std::size_t index, std::uint64_t /*seed*/) const {
    const auto [from, to] = pairPaths(index);
    const ImageSize canvas = detail::canvasOf(m_config);
    return detail::loadBodyPair(from, m_images[m_pairs[index].first].pose, to, m_images[m_pairs[index].second].pose,
                                canvas, detail::BodyFraming::WholeImageWhenAspectMatches);
}

}  // namespace marionette::train_files
