// OpenPose JSON (pose/openpose_json.h): COCO-18 and BODY_25 keypoints of any number of people.
#include "fuzz_targets.h"

#include "marionette/pose/openpose_json.h"

namespace marionette::fuzz {

int fuzzOpenPoseJson(const std::uint8_t* data, std::size_t size) {
    pose::People people;
    if (!readOrRefuse([&] { people = pose::parseOpenPoseJson(bytesOf(data, size), "fuzz.json"); })) return 0;
    const pose::People again = pose::parseOpenPoseJson(pose::toOpenPoseJson(people), "fuzz.json written back");
    require(again.size() == people.size(), "OpenPose JSON: people lost on writing them back");
    for (std::size_t p = 0; p < people.size(); ++p)
        require(again[p] == people[p], "OpenPose JSON: person " + std::to_string(p) + " changed on writing it back");
    return 0;
}

}  // namespace marionette::fuzz
