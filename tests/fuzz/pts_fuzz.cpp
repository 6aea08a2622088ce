// iBUG .pts landmark files (face/landmarks.h).
#include "fuzz_targets.h"

#include "marionette/face/landmarks.h"

namespace marionette::fuzz {

int fuzzPts(const std::uint8_t* data, std::size_t size) {
    face::FaceLandmarks landmarks;
    if (!readOrRefuse([&] { landmarks = face::parsePts(bytesOf(data, size), "fuzz.pts"); })) return 0;
    require(face::parsePts(face::toPts(landmarks), "fuzz.pts written back") == landmarks,
            ".pts: the landmarks changed on writing them back");
    return 0;
}

}  // namespace marionette::fuzz
