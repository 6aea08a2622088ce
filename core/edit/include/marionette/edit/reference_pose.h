#pragma once
// Where the skeleton of the person in a newly opened photo comes from. One function decides, for the editor and
// the command line alike.
#include "marionette/pose/pose.h"
#include "marionette/util/geometry.h"

#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

namespace marionette::detect {
class MoveNet;
}

namespace marionette::edit {

enum class ReferenceSource {
    Detector,   // the automatic body keypoint detector
    PoseFile,   // an OpenPose JSON beside the photo
    PersonBox,  // the default skeleton fitted to the person OpenCV's people detector found
    Centred,    // the default skeleton in the middle of the photo: no person was found
};

const char* toString(ReferenceSource source);

struct ReferencePose {
    pose::Pose pose;  // photo pixels
    ReferenceSource source = ReferenceSource::Centred;
    std::string note;  // a sentence for the user: where the skeleton came from and what to do
};

// The largest person OpenCV's HOG people detector finds (photo pixels); nullopt when it finds none.
std::optional<Box> detectPersonBox(const cv::Mat& photo);

// The person's skeleton in `photo` (8-bit BGR), in order: an OpenPose JSON beside the photo (its most complete
// person: a file someone put there on purpose, often corrected by hand, outranks a guess), the body keypoint
// detector when one is given, the default skeleton fitted to the person's box, the default skeleton centred in
// the photo. A pose file that cannot be read is skipped, and the note says why.
ReferencePose findReferencePose(const std::string& photoPath, const cv::Mat& photo,
                                const detect::MoveNet* detector = nullptr);

// The people of `found` other than the one `reference` is: re-posing one person leaves the others where they
// are. A found person is the reference when the median distance between the joints both have is under a
// quarter of the reference's torso length.
std::vector<pose::Pose> otherPeople(const std::vector<pose::Pose>& found, const pose::Pose& reference);

}  // namespace marionette::edit
