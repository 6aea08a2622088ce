#include "check.h"

#include "cli/command.h"
#include "marionette/image/image_io.h"
#include "marionette/model/weights.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/files.h"

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>

using namespace marionette;

namespace {

struct CliRun {
    int code;
    std::string out, err;
};

CliRun runCli(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = cli::runCli(args, out, err);
    return {code, out.str(), err.str()};
}

std::string sample(const std::string& name) { return std::string(MARIONETTE_SOURCE_DIR) + "/resources/samples/" + name; }

}  // namespace

TEST_CASE(cli_render_draws_the_sample_skeleton_over_its_crop) {
    const std::string out = test::tempPath("semantics.png");
    const auto run = runCli({"render", "--pose", sample("messi5.jpg.pose.json"), "--image", sample("messi5.jpg"), "--out", out});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("17 of 18 joints") != std::string::npos);
    const cv::Mat img = image::loadImage(out);
    EXPECT_EQ(img.rows, 256);
    EXPECT_EQ(img.cols, 176);
}

TEST_CASE(cli_render_without_photo_and_for_face_landmarks) {
    const std::string out = test::tempPath("pose-only.png");
    EXPECT_EQ(runCli({"render", "--pose", sample("messi5.jpg.pose.json"), "--size", "128x96", "--out", out}).code, 0);
    const cv::Mat img = image::loadImage(out);
    EXPECT_EQ(img.rows, 128);
    EXPECT_EQ(img.cols, 96);
    EXPECT(cv::norm(img) > 0.0);  // something was drawn on the black canvas

    std::string pts = "version: 1\nn_points: 68\n{\n";
    for (int i = 0; i < 68; ++i) pts += std::to_string(100 + (i % 17) * 4) + " " + std::to_string(100 + i) + "\n";
    const std::string ptsPath = test::tempPath("face.pts");
    files::writeAtomically(ptsPath, pts + "}\n");
    const std::string faceOut = test::tempPath("face.png");
    const auto run = runCli({"render", "--landmarks", ptsPath, "--out", faceOut});
    EXPECT_EQ(run.code, 0);
    EXPECT_EQ(image::loadImage(faceOut).cols, 256);
}

TEST_CASE(cli_usage_errors_and_bad_inputs) {
    EXPECT_EQ(runCli({}).code, cli::kExitUsage);
    EXPECT_EQ(runCli({"frobnicate"}).code, cli::kExitUsage);
    auto run = runCli({"render", "--pose", "a.json"});
    EXPECT_EQ(run.code, cli::kExitUsage);
    EXPECT(run.err.find("--out") != std::string::npos);
    run = runCli({"render", "--out", "x.png", "--out", "y.png", "--pose", "a.json"});
    EXPECT(run.err.find("given twice") != std::string::npos);
    run = runCli({"render", "--pose", "a.json", "--size", "255x176", "--out", "x.png"});
    EXPECT_EQ(run.code, cli::kExitUsage);
    EXPECT(run.err.find("multiples of 16") != std::string::npos);

    const std::string broken = test::tempPath("broken.json");
    files::writeAtomically(broken, "{\"people\": [{\"pose_keypoints_2d\": [1, 2");
    const std::string out = test::tempPath("never.png");
    run = runCli({"render", "--pose", broken, "--out", out});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT(run.err.find("broken.json") != std::string::npos);
    EXPECT(!std::filesystem::exists(out));

    run = runCli({"render", "--pose", sample("messi5.jpg.pose.json"), "--person", "3", "--out", out});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT(run.err.find("no person 3") != std::string::npos);

    EXPECT_EQ(runCli({"render", "--help"}).code, 0);
    EXPECT(runCli({"render", "--help"}).out.find("--landmarks") != std::string::npos);
}

TEST_CASE(cli_repose_round_trip_on_the_sample_with_tiny_weights) {
    model::ModelConfig config;
    config.width = 4;
    config.keyChannels = 8;
    config.height = 64;
    config.canvasWidth = 48;
    torch::manual_seed(1);
    model::Generator generator(config);
    const std::string weights = test::tempPath("tiny.safetensors");
    model::saveGeneratorWeights(weights, *generator, "{}", model::StoredPrecision::Float16);

    // Target: the reference with the right arm raised.
    pose::People people = pose::readOpenPoseJson(sample("messi5.jpg.pose.json"));
    pose::Pose target = people.at(0);
    target.set(pose::JointId::RightElbow, 150.f, 60.f);
    target.set(pose::JointId::RightWrist, 140.f, 20.f);
    const std::string targetPath = test::tempPath("target.json");
    pose::writeOpenPoseJson(targetPath, {target});

    const std::string out = test::tempPath("reposed.png");
    const std::string maps = test::tempPath("maps");
    const auto run = runCli({"repose", "--weights", weights, "--image", sample("messi5.jpg"), "--pose-ref",
                             sample("messi5.jpg.pose.json"), "--pose-target", targetPath, "--out", out, "--maps", maps,
                             "--device", "cpu"});
    EXPECT_EQ(run.code, 0);
    if (run.code != 0) std::cerr << run.err;
    const cv::Mat photo = image::loadImage(sample("messi5.jpg"));
    const cv::Mat edited = image::loadImage(out);
    EXPECT_EQ(edited.cols, photo.cols);
    EXPECT_EQ(edited.rows, photo.rows);
    // The crop spans the person (x about 28..474); the photo's right edge lies outside it and is unchanged.
    EXPECT_EQ(cv::norm(edited.colRange(520, 548), photo.colRange(520, 548), cv::NORM_INF), 0.0);
    EXPECT(cv::norm(edited, photo, cv::NORM_L1) > 0.0);
    for (const char* name : {"reference_crop.png", "output_crop.png", "flow.png", "combination.png", "attention.png",
                             "attention_warped.png", "flow_warped.png"}) {
        EXPECT(std::filesystem::exists(std::filesystem::path(maps) / name));
    }

    // A portrait model refuses to repose a body, with a sentence that says what to do.
    model::ModelConfig face = config;
    face.semantics = model::SemanticsKind::Face;
    model::Generator faceGenerator(face);
    const std::string faceWeights = test::tempPath("face.safetensors");
    model::saveGeneratorWeights(faceWeights, *faceGenerator, "{}", model::StoredPrecision::Float16);
    const auto refused = runCli({"repose", "--weights", faceWeights, "--image", sample("messi5.jpg"), "--pose-ref",
                                 sample("messi5.jpg.pose.json"), "--pose-target", targetPath, "--out", test::tempPath("no.png")});
    EXPECT_EQ(refused.code, cli::kExitFailure);
    EXPECT(refused.err.find("for portraits") != std::string::npos);
    EXPECT(!std::filesystem::exists(test::tempPath("no.png")));
}

TEST_CASE(cli_synth_writes_pairs_to_look_at) {
    const std::string folder = test::tempPath("synth");
    auto run = runCli({"synth", "--kind", "body", "--split", "validation", "--seed", "3", "--count", "2", "--out", folder,
                       "--grid", folder + "/grid.png"});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("validation") != std::string::npos);
    // reference | target | both with skeletons, 4-pixel gaps; the grid stacks the pairs.
    const cv::Mat pair = image::loadImage(folder + "/body_" + std::to_string((std::uint64_t{1} << 40) + 3) + ".png");
    EXPECT_EQ(pair.rows, 256);
    EXPECT_EQ(pair.cols, 4 * 176 + 3 * 4);
    EXPECT_EQ(image::loadImage(folder + "/grid.png").rows, 2 * 256 + 4);
    run = runCli({"synth", "--kind", "portrait", "--count", "1", "--out", folder});
    EXPECT_EQ(run.code, 0);
    EXPECT_EQ(image::loadImage(folder + "/portrait_0.png").cols, 4 * 256 + 3 * 4);
    run = runCli({"synth", "--kind", "photo", "--image", sample("messi5.jpg"), "--pose", sample("messi5.jpg.pose.json"),
                  "--count", "1", "--out", folder});
    EXPECT_EQ(run.code, 0);
    EXPECT_EQ(image::loadImage(folder + "/photo_0.png").rows, 342);

    EXPECT_EQ(runCli({"synth", "--kind", "robot", "--out", folder}).code, cli::kExitUsage);
    EXPECT_EQ(runCli({"synth", "--kind", "photo", "--out", folder}).code, cli::kExitUsage);
    run = runCli({"synth", "--seed", "-4", "--out", folder});
    EXPECT_EQ(run.code, cli::kExitUsage);
    EXPECT(run.err.find("--seed") != std::string::npos);
    EXPECT_EQ(runCli({"synth", "--split", "report", "--seed", "99999999999", "--out", folder}).code, cli::kExitFailure);
    run = runCli({"synth", "--kind", "body", "--count", "3", "--bench", "--jobs", "2"});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("pairs/s") != std::string::npos);
}
