#include "marionette/train_files/portrait_frames_dataset.h"

#include "layout.h"

#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/image/tensor_image.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <algorithm>

namespace marionette::train_files {
namespace {

Box unionOf(const Box& a, const Box& b) {
    const double left = std::min(a.x, b.x), top = std::min(a.y, b.y);
    return {left, top, std::max(a.right(), b.right()) - left, std::max(a.bottom(), b.bottom()) - top};
}

face::FaceLandmarks mapped(const face::FaceLandmarks& landmarks, const BoxToCanvas& toCanvas) {
    return landmarks.mapped([&](Point2 q) { return toCanvas.toCanvas(q); });
}

}  // namespace

PortraitFramesDataset::PortraitFramesDataset(PortraitFramesOptions options, const model::ModelConfig& config)
    : m_options(std::move(options)), m_config(config) {
    m_config.validate();
    if (m_config.semantics != model::SemanticsKind::Face)
        throw Error("portrait frames train face models, but the model configuration is for bodies");
    detail::requireFolder(m_options.root, "the portrait video folder");

    detail::DropCounts drops;
    if (const auto loose = detail::sortedImages(m_options.root); !loose.empty()) {
        log::warning("portrait frames: ", loose.size(), " images directly in ", m_options.root,
                     " are ignored: put each video's frames in a sub-folder of their own");
    }
    std::size_t seen = 0, used = 0;
    std::vector<std::size_t> groupSizes;
    for (const auto& folder : detail::sortedSubfolders(m_options.root)) {
        Video video{folder.string(), {}};
        for (const auto& path : detail::sortedImages(folder)) {
            ++seen;
            const auto ptsFile = detail::findBeside(path, {".pts"}, {".pts"});
            if (!ptsFile) {
                if (m_options.landmarkProvider)
                    video.frames.push_back({path.string(), std::nullopt});
                else
                    drops.add("frames without <frame>.pts or <stem>.pts beside them", path.string());
                continue;
            }
            try {
                video.frames.push_back({path.string(), face::readPts(ptsFile->string())});
            } catch (const std::exception& e) {
                drops.add("frames with an unreadable .pts file", e.what());
            }
        }
        if (video.frames.size() == 1) drops.add("frames alone in their video (a pair needs two)", video.frames[0].path);
        if (video.frames.size() >= 2) {
            used += video.frames.size();
            groupSizes.push_back(video.frames.size());
            m_videos.push_back(std::move(video));
        }
    }
    m_skippedFrames = seen - used;
    m_pairs = OrderedPairs(groupSizes);
    if (m_videos.empty()) {
        throwFileError(m_options.root,
                       "no usable pairs: no sub-folder holds two frames with landmarks beside them "
                       "(<frame>.pts or <stem>.pts); " +
                           std::to_string(seen) + " frames found in sub-folders" +
                           (drops.empty() ? std::string() : ": " + drops.summary()));
    }
    if (!drops.empty())
        log::warning("portrait frames: left out ", m_skippedFrames, " of ", seen, " frames under ", m_options.root,
                     ": ", drops.summary());
    log::info("portrait frames: ", size(), " pairs of ", used, " frames in ", m_videos.size(), " videos under ",
              m_options.root);
}

std::string PortraitFramesDataset::description() const {
    return "portraits:" + m_options.root + " (" + std::to_string(size()) + " pairs of " +
           std::to_string(m_videos.size()) + " videos)";
}

std::pair<std::string, std::string> PortraitFramesDataset::pairPaths(std::size_t index) const {
    const auto p = m_pairs.at(index);
    const auto& frames = m_videos[p.group].frames;
    return {frames[p.from].path, frames[p.to].path};
}

face::FaceLandmarks PortraitFramesDataset::landmarksOf(const Frame& frame, const cv::Mat& image) const {
    if (frame.landmarks) return *frame.landmarks;
    std::optional<face::FaceLandmarks> found;
    bool cached = false;
    {
        std::lock_guard<std::mutex> lock(m_detectedMutex);
        if (const auto it = m_detected.find(frame.path); it != m_detected.end()) {
            found = it->second;
            cached = true;
        }
    }
    if (!cached) {
        found = m_options.landmarkProvider(image);  // outside the lock: detection is slow
        if (found) face::validate(*found, frame.path + " (detected landmarks)");
        std::lock_guard<std::mutex> lock(m_detectedMutex);
        m_detected.emplace(frame.path, found);
    }
    if (!found) throwFileError(frame.path, "no face was found in the frame and it has no .pts file");
    return *found;
}

train::PairSample PortraitFramesDataset::pair(std::size_t index, std::uint64_t /*seed*/) const {
    const auto p = m_pairs.at(index);
    const Frame& from = m_videos[p.group].frames[p.from];
    const Frame& to = m_videos[p.group].frames[p.to];
    const cv::Mat reference = image::loadImage(from.path), target = image::loadImage(to.path);
    if (reference.size() != target.size())
        throwFileError(to.path, "the frame is " + std::to_string(target.cols) + " x " + std::to_string(target.rows) +
                                    " but " + from.path + " of the same video is " + std::to_string(reference.cols) +
                                    " x " + std::to_string(reference.rows));
    const face::FaceLandmarks referenceFace = landmarksOf(from, reference), targetFace = landmarksOf(to, target);
    // One box for both frames: the background stays where it was, only the face moves.
    const ImageSize canvas = detail::canvasOf(m_config);
    const Box box = image::aspectCropBox(unionOf(referenceFace.bounds(), targetFace.bounds()),
                                         ImageSize{reference.cols, reference.rows}, canvas, image::kFaceCropPadding);
    const BoxToCanvas toCanvas{box, canvas.width, canvas.height};
    train::PairSample sample;
    sample.reference = image::imageToTensor(image::cropToCanvas(reference, box, canvas));
    sample.target = image::imageToTensor(image::cropToCanvas(target, box, canvas));
    sample.referenceFace = mapped(referenceFace, toCanvas);
    sample.targetFace = mapped(targetFace, toCanvas);
    return sample;
}

}  // namespace marionette::train_files
