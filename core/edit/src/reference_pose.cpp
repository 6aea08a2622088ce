#include "marionette/edit/reference_pose.h"

#include "marionette/detect/movenet.h"
#include "marionette/edit/pose_editing.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace marionette::edit {
namespace {

// HOG finds people of 64 x 128 pixels and up; a larger photo is shrunk first (the search costs ~ pixels).
constexpr int kDetectionLongSide = 640;
// Fewer detected joints than this do not make a skeleton worth correcting; the default skeleton is better.
constexpr int kMinDetectedJoints = 6;

const pose::Pose* mostComplete(const pose::People& people) {
    const pose::Pose* best = nullptr;
    for (const auto& p : people) {
        if (!best || p.presentCount() > best->presentCount()) best = &p;
    }
    return best;
}

}  // namespace

const char* toString(ReferenceSource source) {
    switch (source) {
        case ReferenceSource::Detector:
            return "detector";
        case ReferenceSource::PoseFile:
            return "pose file";
        case ReferenceSource::PersonBox:
            return "person box";
        case ReferenceSource::Centred:
            return "centred";
    }
    return "?";
}

std::optional<Box> detectPersonBox(const cv::Mat& photo) {
    if (photo.empty()) return std::nullopt;
    const double scale = std::min(1.0, double(kDetectionLongSide) / std::max(photo.cols, photo.rows));
    cv::Mat grey;
    cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
    if (scale < 1.0) cv::resize(grey, grey, cv::Size(), scale, scale, cv::INTER_AREA);
    if (grey.cols < 64 || grey.rows < 128) return std::nullopt;
    cv::HOGDescriptor hog;
    hog.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
    std::vector<cv::Rect> found;
    std::vector<double> weights;
    hog.detectMultiScale(grey, found, weights, /*hitThreshold=*/0.0, /*winStride=*/cv::Size(8, 8),
                         /*padding=*/cv::Size(16, 16), /*scale=*/1.05, /*groupThreshold=*/2.0);
    if (found.empty()) return std::nullopt;
    // The largest person is the subject; the crowd behind is smaller.
    const auto best = std::max_element(found.begin(), found.end(),
                                       [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
    return Box{best->x / scale, best->y / scale, best->width / scale, best->height / scale};
}

ReferencePose findReferencePose(const std::string& photoPath, const cv::Mat& photo, const detect::MoveNet* detector) {
    if (photo.empty()) throw Error(photoPath + ": the photo is empty");
    const ImageSize size{photo.cols, photo.rows};
    std::string skipped;

    // 1. A skeleton saved beside the photo by OpenPose or another tool.
    for (const std::string& candidate : pose::poseFileCandidates(photoPath)) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(candidate, ec)) continue;
        try {
            const pose::People people = pose::readOpenPoseJson(candidate);
            const pose::Pose* person = mostComplete(people);
            if (person && person->presentCount() >= 2) {
                const std::string name = std::filesystem::path(candidate).filename().string();
                return {clampedTo(*person, size), ReferenceSource::PoseFile, "Skeleton read from " + name + "."};
            }
            skipped =
                std::filesystem::path(candidate).filename().string() + " holds no person with two or more joints. ";
        } catch (const Error& e) {
            log::warning("skipping the pose file: ", e.what());
            skipped = std::string("The pose file could not be read (") + e.what() + "). ";
        }
    }

    // 2. The body keypoint detector. Joints it is unsure of stay missing for the user to place.
    if (detector) {
        try {
            const detect::BodyDetection found = detector->detect(photo);
            if (found.found && found.pose.presentCount() >= kMinDetectedJoints) {
                return {clampedTo(found.pose, size), ReferenceSource::Detector,
                        skipped + "Skeleton found by the body detector (" + std::to_string(found.pose.presentCount()) +
                            " of 18 joints): check it and correct any joint by dragging it."};
            }
        } catch (const Error& e) {
            log::warning("the body detector failed on ", photoPath, ": ", e.what());
        }
    }

    // 3. The default skeleton on the person a classic people detector finds.
    if (const auto box = detectPersonBox(photo)) {
        return {clampedTo(defaultSkeleton(*box), size), ReferenceSource::PersonBox,
                skipped + "A default skeleton was placed on the person: drag its joints onto the person's joints."};
    }

    // 4. Nobody found: the default skeleton in the middle, as tall as 80% of the photo.
    const double height = 0.9 * photo.rows;
    const Box centred{(photo.cols - height / 2) / 2, 0.05 * photo.rows, height / 2, height};
    return {
        clampedTo(defaultSkeleton(centred), size), ReferenceSource::Centred,
        skipped + "No person was found: a default skeleton was placed in the middle; drag its joints onto the person."};
}

std::vector<pose::Pose> otherPeople(const std::vector<pose::Pose>& found, const pose::Pose& reference) {
    const double torso = pose::torsoLength(reference);
    std::vector<pose::Pose> others;
    for (const pose::Pose& person : found) {
        // Nothing in common: cannot tell, and a stranger's bones would claim pixels.
        const auto apart = pose::medianJointDistance(person, reference);
        if (apart && *apart >= 0.25 * torso) others.push_back(person);
    }
    return others;
}

}  // namespace marionette::edit
