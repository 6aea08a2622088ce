// Every file of every fuzz corpus (tests/fuzz/corpus/<target>/: the seeds and the inputs that once found a bug)
// through its fuzz target, in the normal build: a fixed bug that comes back fails here, without libFuzzer.
//
// $FUZZ_CORPUS_DIR replaces the corpora's folder: the crashes tools/fuzz/run.sh keeps lie in the same layout,
//   FUZZ_CORPUS_DIR=build-fuzz/crashes build/tests/fuzz/fuzz_replay fuzz_replay_image
#include "check.h"
#include "fuzz_targets.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#ifndef MARIONETTE_FUZZ_CORPUS_DIR
#error "MARIONETTE_FUZZ_CORPUS_DIR must be defined by the build"
#endif

namespace fs = std::filesystem;
using marionette::fuzz::Target;

namespace {

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs one file through the target; returns what went wrong, empty when nothing did.
std::string replay(const Target& target, const fs::path& path) {
    const std::string bytes = readFile(path);
    try {
        target.function(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

void replayCorpus(const char* name) {
    const Target* target = nullptr;
    for (const auto& t : marionette::fuzz::kTargets)
        if (std::strcmp(t.name, name) == 0) target = &t;
    EXPECT(target != nullptr);
    if (!target) return;
    const char* root = std::getenv("FUZZ_CORPUS_DIR");
    const fs::path folder = fs::path(root && *root ? root : MARIONETTE_FUZZ_CORPUS_DIR) / name;
    int files = 0;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (!entry.is_regular_file()) continue;
        ++files;
        const std::string problem = replay(*target, entry.path());
        if (!problem.empty()) marionette::test::recordFailure(entry.path().filename().c_str(), 0, problem);
    }
    EXPECT(files > 0);
}

}  // namespace

TEST_CASE(fuzz_replay_safetensors) { replayCorpus("safetensors"); }
TEST_CASE(fuzz_replay_openpose_json) { replayCorpus("openpose_json"); }
TEST_CASE(fuzz_replay_deepfashion_keypoints) { replayCorpus("deepfashion_keypoints"); }
TEST_CASE(fuzz_replay_deepfashion_pairs) { replayCorpus("deepfashion_pairs"); }
TEST_CASE(fuzz_replay_pts) { replayCorpus("pts"); }
TEST_CASE(fuzz_replay_edit_document) { replayCorpus("edit_document"); }
TEST_CASE(fuzz_replay_face_parameters) { replayCorpus("face_parameters"); }
TEST_CASE(fuzz_replay_graph_model) { replayCorpus("graph_model"); }
TEST_CASE(fuzz_replay_image) { replayCorpus("image"); }
TEST_CASE(fuzz_replay_face_model) { replayCorpus("face_model"); }
TEST_CASE(fuzz_replay_model_config) { replayCorpus("model_config"); }

// Every target has its test case above.
TEST_CASE(fuzz_replay_covers_every_target) {
    int listed = 0;
    for (const auto& c : marionette::test::registry()) listed += c.name.rfind("fuzz_replay_", 0) == 0 ? 1 : 0;
    EXPECT_EQ(listed - 1, static_cast<int>(std::size(marionette::fuzz::kTargets)));
}
