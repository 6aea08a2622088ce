// DeepFashion pair CSV (pose/deepfashion_csv.h): "from,to" rows.
#include "fuzz_targets.h"

#include "marionette/pose/deepfashion_csv.h"

namespace marionette::fuzz {

int fuzzDeepFashionPairs(const std::uint8_t* data, std::size_t size) {
    std::vector<pose::ImagePair> pairs;
    if (!readOrRefuse([&] { pairs = pose::parseDeepFashionPairs(bytesOf(data, size), "fuzz.csv"); })) return 0;
    const auto again = pose::parseDeepFashionPairs(pose::toDeepFashionPairs(pairs), "fuzz.csv written back");
    require(again.size() == pairs.size(), "DeepFashion pairs: rows lost on writing them back");
    for (std::size_t r = 0; r < pairs.size(); ++r) {
        require(again[r].from == pairs[r].from && again[r].to == pairs[r].to,
                "DeepFashion pairs: row " + std::to_string(r) + " changed on writing it back");
    }
    return 0;
}

}  // namespace marionette::fuzz
