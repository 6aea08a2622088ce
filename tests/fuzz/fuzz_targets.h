#pragma once
// The fuzz targets of the file readers (docs/reliability.md, "Fuzzing"). Each takes any bytes and hands them to
// one reader. A reader may refuse them with marionette::Error, the sentence a user would see; anything else
// that escapes (another exception, a crash, a sanitizer report, a broken invariant) is a bug. Where the format
// has a writer, what was read is written back and read again and must come back the same.
//
// The same functions run under libFuzzer (fuzz_main.cpp, the fuzz build) and over the checked-in corpora in
// the normal build (fuzz_replay, replay_tests.cpp).
#include "marionette/util/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

namespace marionette::fuzz {

int fuzzSafetensors(const std::uint8_t* data, std::size_t size);
int fuzzOpenPoseJson(const std::uint8_t* data, std::size_t size);
int fuzzDeepFashionKeypoints(const std::uint8_t* data, std::size_t size);
int fuzzDeepFashionPairs(const std::uint8_t* data, std::size_t size);
int fuzzPts(const std::uint8_t* data, std::size_t size);
int fuzzEditDocument(const std::uint8_t* data, std::size_t size);
int fuzzFaceParameters(const std::uint8_t* data, std::size_t size);
int fuzzGraphModel(const std::uint8_t* data, std::size_t size);
int fuzzImage(const std::uint8_t* data, std::size_t size);
int fuzzFaceModel(const std::uint8_t* data, std::size_t size);
int fuzzModelConfig(const std::uint8_t* data, std::size_t size);

struct Target {
    const char* name;  // the folder of its corpus (tests/fuzz/corpus/<name>) and its program (fuzz_<name>)
    int (*function)(const std::uint8_t*, std::size_t);
};

inline constexpr Target kTargets[] = {
    {"safetensors", fuzzSafetensors},
    {"openpose_json", fuzzOpenPoseJson},
    {"deepfashion_keypoints", fuzzDeepFashionKeypoints},
    {"deepfashion_pairs", fuzzDeepFashionPairs},
    {"pts", fuzzPts},
    {"edit_document", fuzzEditDocument},
    {"face_parameters", fuzzFaceParameters},
    {"graph_model", fuzzGraphModel},
    {"image", fuzzImage},
    {"face_model", fuzzFaceModel},
    {"model_config", fuzzModelConfig},
};

// An accepted input broke a promise of its reader. Not a marionette::Error, so nothing on the way catches it.
class BrokenInvariant : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

inline void require(bool condition, const std::string& what) {
    if (!condition) throw BrokenInvariant(what);
}

inline std::string bytesOf(const std::uint8_t* data, std::size_t size) {
    return size == 0 ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `read`; a refusal (marionette::Error) is the expected outcome of most inputs. Returns whether it read.
// FUZZ_SHOW_REFUSALS=1 prints each refusal, to see which seeds a reader takes.
template <typename Read>
bool readOrRefuse(Read&& read) {
    static const bool show = std::getenv("FUZZ_SHOW_REFUSALS") != nullptr;
    try {
        read();
        return true;
    } catch (const marionette::Error& e) {
        if (show) std::cerr << "refused: " << e.what() << '\n';
        return false;
    }
}

}  // namespace marionette::fuzz
