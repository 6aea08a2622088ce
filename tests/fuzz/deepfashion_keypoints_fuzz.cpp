// DeepFashion keypoint CSV (pose/deepfashion_csv.h): "name: [y0, ...]: [x0, ...]" rows.
#include "fuzz_targets.h"

#include "marionette/pose/deepfashion_csv.h"

namespace marionette::fuzz {

int fuzzDeepFashionKeypoints(const std::uint8_t* data, std::size_t size) {
    std::vector<pose::NamedPose> poses;
    if (!readOrRefuse([&] { poses = pose::parseDeepFashionKeypoints(bytesOf(data, size), "fuzz.csv"); })) return 0;
    const auto again = pose::parseDeepFashionKeypoints(pose::toDeepFashionKeypoints(poses), "fuzz.csv written back");
    require(again.size() == poses.size(), "DeepFashion keypoints: rows lost on writing them back");
    for (std::size_t r = 0; r < poses.size(); ++r) {
        require(again[r].name == poses[r].name && again[r].pose == poses[r].pose,
                "DeepFashion keypoints: row " + std::to_string(r) + " changed on writing it back");
    }
    return 0;
}

}  // namespace marionette::fuzz
