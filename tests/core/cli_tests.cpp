#include "check.h"
#include "run_cli.h"
#include "samples.h"
#include "tiny_models.h"

#include "cli/command.h"
#include "cli/datasets.h"
#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/portrait.h"
#include "marionette/face/landmarks.h"
#include "marionette/face/morphable_model.h"
#include "marionette/image/image_io.h"
#include "marionette/model/training_summary.h"
#include "marionette/model/weights.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>
#include <opencv2/core.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>

using namespace marionette;

namespace {

using test::runCli;

// For its lifetime, the shipped models are looked for in an empty folder: the programs as installed without them.
class WithoutShippedModels {
public:
    WithoutShippedModels() { ::setenv("MARIONETTE_DATA_DIR", test::tempPath("no-shipped-models").c_str(), 1); }
    ~WithoutShippedModels() { ::unsetenv("MARIONETTE_DATA_DIR"); }
    WithoutShippedModels(const WithoutShippedModels&) = delete;
    WithoutShippedModels& operator=(const WithoutShippedModels&) = delete;
};

}  // namespace

TEST_CASE(cli_render_draws_the_sample_skeleton_over_its_crop) {
    const std::string out = test::tempPath("semantics.png");
    const auto run = runCli({"render", "--pose", test::samplePath("messi5.jpg.pose.json"), "--image",
                             test::samplePath("messi5.jpg"), "--out", out});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("17 of 18 joints") != std::string::npos);
    const cv::Mat img = image::loadImage(out);
    EXPECT_EQ(img.rows, 256);
    EXPECT_EQ(img.cols, 176);
}

TEST_CASE(cli_render_without_photo_and_for_face_landmarks) {
    const std::string out = test::tempPath("pose-only.png");
    EXPECT_EQ(
        runCli({"render", "--pose", test::samplePath("messi5.jpg.pose.json"), "--size", "128x96", "--out", out}).code,
        0);
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

    run = runCli({"render", "--pose", test::samplePath("messi5.jpg.pose.json"), "--person", "3", "--out", out});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT(run.err.find("no person 3") != std::string::npos);

    // Every verb with --device refuses an unknown one as a usage error, before loading anything.
    const std::vector<std::vector<std::string>> verbs = {
        {"repose", "--weights", "w.safetensors", "--image", "i.jpg", "--pose-ref", "p.json", "--pose-target", "p.json",
         "--out", out},
        {"adapt", "--weights", "w.safetensors", "--image", "i.jpg", "--pose", "p.json", "--out", out},
        {"portrait", "--image", "i.jpg", "--out", out},
        {"bench"},
    };
    for (std::vector<std::string> args : verbs) {
        args.insert(args.end(), {"--device", "gpu"});
        run = runCli(args);
        EXPECT_EQ(run.code, cli::kExitUsage);
        EXPECT(run.err.find("--device expects auto, cpu or cuda, got \"gpu\"") != std::string::npos);
    }

    EXPECT_EQ(runCli({"render", "--help"}).code, 0);
    EXPECT(runCli({"render", "--help"}).out.find("--landmarks") != std::string::npos);
    EXPECT(runCli({"render", "--help"}).out.find("usage: marionette-cli render") != std::string::npos);
    // The verbs' help names the program they run in.
    std::ostringstream helpOut, helpErr;
    EXPECT_EQ(cli::runCli({"train", "--help"}, helpOut, helpErr, "marionette-train"), 0);
    EXPECT(helpOut.str().find("usage: marionette-train train [options]") != std::string::npos);
}

TEST_CASE(cli_adapt_fine_tunes_body_weights_on_a_person_and_portrait_weights_on_a_face) {
    auto tinyWeights = [](model::SemanticsKind kind, const std::string& name) {
        torch::manual_seed(3);
        model::Generator generator(test::tinyModelConfig(kind));
        const std::string path = test::tempPath(name);
        model::saveGeneratorWeights(path, *generator,
                                    R"j({"data":"synth (procedural, training seeds)","images_seen":40,"steps":10})j",
                                    model::StoredPrecision::Float16);
        return path;
    };
    const std::string body = tinyWeights(model::SemanticsKind::Body, "adapt-body.safetensors");
    const std::string portrait = tinyWeights(model::SemanticsKind::Face, "adapt-portrait.safetensors");

    const std::string bodyOut = test::tempPath("adapted-body.safetensors");
    auto run = runCli({"adapt", "--weights", body, "--image", test::samplePath("messi5.jpg"), "--pose",
                       test::samplePath("messi5.jpg.pose.json"), "--out", bodyOut, "--steps", "2", "--batch", "1",
                       "--device", "cpu"});
    EXPECT_EQ(run.code, 0);
    if (run.code != 0) std::cerr << run.err;
    EXPECT(run.err.find("step 2/2") != std::string::npos);
    EXPECT(model::summarizeTraining(model::loadGeneratorWeights(bodyOut).trainingJson).data.find("messi5.jpg") !=
           std::string::npos);

    const std::string faceOut = test::tempPath("adapted-face.safetensors");
    run = runCli({"adapt", "--weights", portrait, "--image", test::samplePath("astronaut.jpg"), "--landmarks",
                  test::samplePath("astronaut.jpg.landmarks.pts"), "--out", faceOut, "--steps", "2", "--batch", "1",
                  "--device", "cpu"});
    EXPECT_EQ(run.code, 0);
    if (run.code != 0) std::cerr << run.err;
    const auto adaptedFace = model::loadGeneratorWeights(faceOut);
    EXPECT(adaptedFace.generator->config().semantics == model::SemanticsKind::Face);
    const model::TrainingSummary summary = model::summarizeTraining(adaptedFace.trainingJson);
    EXPECT(summary.adaptedToPhotos());
    EXPECT(summary.data.find("astronaut.jpg (landmark-warped)") != std::string::npos);

    // bench --adapt times the same adaptation on a procedural stand-in, for machines without image libraries.
    run = runCli({"bench", "--weights", portrait, "--adapt", "2", "--device", "cpu", "--threads", "1"});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("2 steps of batch 4 in") != std::string::npos);
    EXPECT_EQ(runCli({"bench", "--adapt", "2"}).code, cli::kExitUsage);

    // bench --data times one loader thread drawing batches for the weights' model (here a face model).
    run = runCli({"bench", "--weights", portrait, "--data", "synth-portrait", "--batches", "1", "--threads", "1"});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("for face at ") != std::string::npos &&
           run.out.find("4 pairs in batches of 4") != std::string::npos);
    EXPECT(run.out.find("pairs/s per loader thread") != std::string::npos);
    EXPECT_EQ(runCli({"bench", "--data", "synth-body", "--batches", "0"}).code, cli::kExitUsage);
    run = runCli({"bench", "--data", "nonsense"});
    EXPECT(run.code != 0 && run.err.find("synth-body") != std::string::npos);  // every form this build reads

    // Data specs: the editor-like edits, and sets taken in turn ('+' in a file name stays part of the name).
    const auto bodyConfig = model::ModelConfig::body();
    const auto mixed = cli::openDataset("synth-body+synth-body-edits:validation", bodyConfig);
    EXPECT_EQ(mixed->description(),
              std::string("synth-body (procedural, training seeds) + synth-body-edits (procedural, validation seeds)"));
    EXPECT(!mixed->pair(0, 0).sameFraming);
    EXPECT_THROWS(marionette::Error, cli::openDataset("synth-body+synth-portrait", bodyConfig),
                  "synth-portrait data trains face models");
    EXPECT_THROWS(marionette::Error, cli::openDataset("photos:a+b.jpg", bodyConfig), "a+b.jpg");

    // One subject, of the weights' kind; nothing is written otherwise.
    const std::string never = test::tempPath("never-adapted.safetensors");
    run = runCli({"adapt", "--weights", body, "--image", test::samplePath("messi5.jpg"), "--out", never});
    EXPECT_EQ(run.code, cli::kExitUsage);
    EXPECT(run.err.find("--pose") != std::string::npos);
    run = runCli({"adapt", "--weights", body, "--image", test::samplePath("messi5.jpg"), "--pose",
                  test::samplePath("messi5.jpg.pose.json"), "--face", "0", "--out", never});
    EXPECT_EQ(run.code, cli::kExitUsage);
    run = runCli({"adapt", "--weights", body, "--image", test::samplePath("messi5.jpg"), "--pose",
                  test::samplePath("messi5.jpg.pose.json"), "--lr", "fast", "--out", never});
    EXPECT_EQ(run.code, cli::kExitUsage);
    EXPECT(run.err.find("--lr expects a number, got \"fast\"") != std::string::npos);
    run = runCli({"adapt", "--weights", body, "--image", test::samplePath("astronaut.jpg"), "--landmarks",
                  test::samplePath("astronaut.jpg.landmarks.pts"), "--out", never, "--device", "cpu"});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT(run.err.find("needs portrait weights") != std::string::npos);
    EXPECT(!std::filesystem::exists(never));
}

TEST_CASE(cli_repose_round_trip_on_the_sample_with_tiny_weights) {
    const model::ModelConfig config = test::tinyModelConfig(model::SemanticsKind::Body);
    torch::manual_seed(1);
    model::Generator generator(config);
    const std::string weights = test::tempPath("tiny.safetensors");
    model::saveGeneratorWeights(weights, *generator, "{}", model::StoredPrecision::Float16);

    // Target: the reference with the right arm raised.
    pose::People people = pose::readOpenPoseJson(test::samplePath("messi5.jpg.pose.json"));
    pose::Pose target = people.at(0);
    target.set(pose::JointId::RightElbow, 150.f, 60.f);
    target.set(pose::JointId::RightWrist, 140.f, 20.f);
    const std::string targetPath = test::tempPath("target.json");
    pose::writeOpenPoseJson(targetPath, {target});

    const std::string out = test::tempPath("reposed.png");
    const std::string maps = test::tempPath("maps");
    const std::string sheet = test::tempPath("sheet.png");
    const auto run = runCli({"repose", "--weights", weights, "--image", test::samplePath("messi5.jpg"), "--pose-ref",
                             test::samplePath("messi5.jpg.pose.json"), "--pose-target", targetPath, "--out", out,
                             "--maps", maps, "--sheet", sheet, "--device", "cpu"});
    EXPECT_EQ(run.code, 0);
    if (run.code != 0) std::cerr << run.err;
    const cv::Mat photo = image::loadImage(test::samplePath("messi5.jpg"));
    const cv::Mat edited = image::loadImage(out);
    EXPECT_EQ(edited.cols, photo.cols);
    EXPECT_EQ(edited.rows, photo.rows);
    // The crop spans the person (x about 28..474); the photo's right edge lies outside it and is unchanged.
    EXPECT_EQ(cv::norm(edited.colRange(520, 548), photo.colRange(520, 548), cv::NORM_INF), 0.0);
    EXPECT(cv::norm(edited, photo, cv::NORM_L1) > 0.0);
    for (const char* name : {"reference_crop.png", "output_crop.png", "flow.png", "combination.png", "attention.png",
                             "attention_warped.png", "flow_warped.png", "mesh.png", "holes.png"}) {
        EXPECT(std::filesystem::exists(std::filesystem::path(maps) / name));
    }
    EXPECT(run.out.find("hybrid: mesh warp") != std::string::npos);
    // The sheet: reference, target, output, flow, combination, the two warped references, the mesh and the
    // holes side by side, the output tile the same pixels as the output crop.
    const cv::Mat sheetImage = image::loadImage(sheet);
    const cv::Mat outputCrop = image::loadImage((std::filesystem::path(maps) / "output_crop.png").string());
    EXPECT_EQ(sheetImage.rows, outputCrop.rows);
    EXPECT_EQ(sheetImage.cols, 9 * outputCrop.cols);
    const cv::Rect belowLabel(0, 20, outputCrop.cols, outputCrop.rows - 20);
    EXPECT_EQ(cv::norm(sheetImage(cv::Rect(2 * outputCrop.cols, 0, outputCrop.cols, outputCrop.rows))(belowLabel),
                       outputCrop(belowLabel), cv::NORM_INF),
              0.0);

    // The paper's synthesis alone, and the choices refused with the option's name.
    const std::string networkOut = test::tempPath("reposed-network.png");
    const auto network = runCli({"repose", "--weights", weights, "--image", test::samplePath("messi5.jpg"),
                                 "--pose-ref", test::samplePath("messi5.jpg.pose.json"), "--pose-target", targetPath,
                                 "--out", networkOut, "--method", "network", "--device", "cpu"});
    EXPECT_EQ(network.code, 0);
    EXPECT(network.out.find("hybrid") == std::string::npos);
    EXPECT(cv::norm(image::loadImage(networkOut), edited, cv::NORM_L1) > 0.0);
    const auto badMethod = runCli({"repose", "--weights", weights, "--image", test::samplePath("messi5.jpg"),
                                   "--pose-ref", test::samplePath("messi5.jpg.pose.json"), "--pose-target", targetPath,
                                   "--out", networkOut, "--method", "paint"});
    EXPECT_EQ(badMethod.code, cli::kExitUsage);
    EXPECT(badMethod.err.find("--method expects hybrid or network") != std::string::npos);
    const auto badDepth = runCli({"repose", "--weights", weights, "--image", test::samplePath("messi5.jpg"),
                                  "--pose-ref", test::samplePath("messi5.jpg.pose.json"), "--pose-target", targetPath,
                                  "--out", networkOut, "--depth", "tail=front"});
    EXPECT_EQ(badDepth.code, cli::kExitUsage);
    EXPECT(badDepth.err.find("not a limb") != std::string::npos);
    // The deformation's benchmark runs end to end on the sample (figures printed, never asserted).
    const auto bench = runCli({"bench-deform", "--weights", weights, "--repeat", "2", "--threads", "2"});
    EXPECT_EQ(bench.code, 0);
    EXPECT(bench.out.find("drag update (warp + render)") != std::string::npos);
    // The fill's measure on holes whose truth is known: a table row per method, and a method it does not know refused.
    const auto fills =
        runCli({"evaluate-fill", "--images", test::samplePath("messi5.jpg"), "--holes", "1", "--methods", "telea"});
    EXPECT_EQ(fills.code, 0);
    EXPECT(fills.out.find("1 holes in 1 photos") != std::string::npos);
    EXPECT(fills.out.find("telea") != std::string::npos);
    const auto badFill = runCli({"evaluate-fill", "--images", test::samplePath("messi5.jpg"), "--methods", "smudge"});
    EXPECT_EQ(badFill.code, cli::kExitUsage);
    EXPECT(badFill.err.find("smudge") != std::string::npos);

    // A portrait model refuses to repose a body, with a sentence that says what to do.
    model::ModelConfig face = config;
    face.semantics = model::SemanticsKind::Face;
    model::Generator faceGenerator(face);
    const std::string faceWeights = test::tempPath("face.safetensors");
    model::saveGeneratorWeights(faceWeights, *faceGenerator, "{}", model::StoredPrecision::Float16);
    const auto refused = runCli({"repose", "--weights", faceWeights, "--image", test::samplePath("messi5.jpg"),
                                 "--pose-ref", test::samplePath("messi5.jpg.pose.json"), "--pose-target", targetPath,
                                 "--out", test::tempPath("no.png")});
    EXPECT_EQ(refused.code, cli::kExitFailure);
    EXPECT(refused.err.find("for portraits") != std::string::npos);

    // Without --weights it opens the shipped body weights; where they are not installed, it says so.
    {
        const WithoutShippedModels none;
        const auto missing = runCli({"repose", "--image", test::samplePath("messi5.jpg"), "--pose-ref",
                                     test::samplePath("messi5.jpg.pose.json"), "--pose-target", targetPath, "--out",
                                     test::tempPath("no.png")});
        EXPECT_EQ(missing.code, cli::kExitFailure);
        EXPECT(missing.err.find("body-early.safetensors) are not installed") != std::string::npos);
    }
    EXPECT(!std::filesystem::exists(test::tempPath("no.png")));
}

TEST_CASE(cli_synth_writes_pairs_to_look_at) {
    const std::string folder = test::tempPath("synth");
    auto run = runCli({"synth", "--kind", "body", "--split", "validation", "--seed", "3", "--count", "2", "--out",
                       folder, "--grid", folder + "/grid.png"});
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
    run = runCli({"synth", "--kind", "photo", "--image", test::samplePath("messi5.jpg"), "--pose",
                  test::samplePath("messi5.jpg.pose.json"), "--count", "1", "--out", folder});
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

TEST_CASE(cli_portrait_edits_the_face_and_refuses_bad_values) {
    const model::ModelConfig config = test::tinyModelConfig(model::SemanticsKind::Face);
    torch::manual_seed(2);
    model::Generator generator(config);
    const std::string weights = test::tempPath("tiny_face.safetensors");
    model::saveGeneratorWeights(weights, *generator, "{}", model::StoredPrecision::Float16);

    const std::string out = test::tempPath("portrait.png");
    const std::string pts = test::tempPath("portrait.pts");
    const std::string editPath = test::tempPath("portrait.marionette.json");
    const std::string maps = test::tempPath("portrait_maps");
    const std::string sheet = test::tempPath("portrait_sheet.png");
    const auto run = runCli({"portrait",  "--image",    test::samplePath("astronaut.jpg"),
                             "--yaw",     "15",         "--pitch",
                             "-5",        "--expr",     "smile=0.6,jaw_open=0.2",
                             "--out",     out,          "--weights",
                             weights,     "--device",   "cpu",
                             "--threads", "2",          "--landmarks-out",
                             pts,         "--edit-out", editPath,
                             "--maps",    maps,         "--sheet",
                             sheet});
    EXPECT_EQ(run.code, 0);
    if (run.code != 0) std::cerr << run.err;
    EXPECT(run.out.find("edited: yaw 15.0, pitch -5.0") != std::string::npos);
    const cv::Mat photo = image::loadImage(test::samplePath("astronaut.jpg"));
    const cv::Mat edited = image::loadImage(out);
    EXPECT(edited.cols == photo.cols && edited.rows == photo.rows);
    // The face's crop changed; the bottom rows (the suit, far below the face) did not.
    EXPECT(cv::norm(edited, photo, cv::NORM_L1) > 0.0);
    EXPECT_EQ(cv::norm(edited.rowRange(440, 512), photo.rowRange(440, 512), cv::NORM_INF), 0.0);
    const face::FaceLandmarks landmarks = face::readPts(pts);
    const edit::EditDocument document = edit::readEditDocument(editPath);
    EXPECT(document.mode == "portrait" && document.portrait && document.portrait->target == landmarks);
    EXPECT_NEAR(document.portrait->parameters.pose.yaw, 15.0, 1e-9);
    EXPECT_EQ(edit::resolvePhotoPath(document, editPath),
              std::filesystem::absolute(test::samplePath("astronaut.jpg")).lexically_normal().string());
    EXPECT(std::filesystem::exists(std::filesystem::path(maps) / "flow.png"));
    // Hybrid by default: the photo's own pixels moved, with the warp's figures; the mesh among the maps.
    EXPECT(run.out.find("hybrid: mesh warp") != std::string::npos);
    EXPECT(std::filesystem::exists(std::filesystem::path(maps) / "mesh.png"));
    // The sheet: reference | face parts | output | four maps, side by side at the crop's height (and a label row).
    const cv::Mat sheetImage = image::loadImage(sheet);
    EXPECT(sheetImage.cols >= 7 * 64 && sheetImage.rows >= 64);

    // Bad values: a clear message, a failure code, nothing written.
    const std::string no = test::tempPath("no_portrait.png");
    const auto range = runCli(
        {"portrait", "--image", test::samplePath("astronaut.jpg"), "--yaw", "120", "--out", no, "--weights", weights});
    EXPECT_EQ(range.code, cli::kExitFailure);
    EXPECT(range.err.find("yaw") != std::string::npos && range.err.find("120") != std::string::npos);
    const auto method = runCli({"portrait", "--image", test::samplePath("astronaut.jpg"), "--method", "sideways",
                                "--out", no, "--weights", weights});
    EXPECT_EQ(method.code, cli::kExitUsage);
    EXPECT(method.err.find("--method expects hybrid or network") != std::string::npos);
    const auto unknown = runCli({"portrait", "--image", test::samplePath("astronaut.jpg"), "--expr", "grin=1", "--out",
                                 no, "--weights", weights});
    EXPECT_EQ(unknown.code, cli::kExitFailure);
    EXPECT(unknown.err.find("unknown expression \"grin\"") != std::string::npos);
    const std::string wall = test::tempPath("wall.png");
    image::saveImage(wall, cv::Mat(200, 240, CV_8UC3, cv::Scalar(120, 140, 160)));
    const auto noFace = runCli({"portrait", "--image", wall, "--out", no, "--weights", weights});
    EXPECT_EQ(noFace.code, cli::kExitFailure);
    EXPECT(noFace.err.find("wall.png") != std::string::npos && noFace.err.find("no face") != std::string::npos);
    const auto body = runCli(
        {"portrait", "--image", test::samplePath("astronaut.jpg"), "--out", no, "--weights", weights, "--face", "7"});
    EXPECT_EQ(body.code, cli::kExitFailure);
    EXPECT(body.err.find("astronaut.jpg") != std::string::npos);
    EXPECT(!std::filesystem::exists(no));

    // Without a portrait model: untrained weights, with a warning that says so.
    {
        const WithoutShippedModels none;
        const auto untrained =
            runCli({"portrait", "--image", test::samplePath("astronaut.jpg"), "--expr", "eye_close=1", "--out", no,
                    "--device", "cpu", "--threads", "2", "--method", "network"});
        EXPECT_EQ(untrained.code, 0);
        EXPECT(untrained.err.find("not a trained result") != std::string::npos);
        EXPECT(std::filesystem::exists(no));
    }
    const auto help = runCli({"portrait", "--help"});
    EXPECT(help.code == 0 && help.out.find("smile=0.6 is smile_left=0.6,smile_right=0.6") != std::string::npos);
}

TEST_CASE(cli_version_names_the_build_and_the_shipped_weights) {
    const auto run = runCli({"--version"});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.rfind("marionette-cli ", 0) == 0);
    EXPECT(run.out.find("revision: ") != std::string::npos);
    EXPECT(run.out.find("LibTorch: ") != std::string::npos);
    EXPECT(run.out.find("CUDA: ") != std::string::npos);
    EXPECT(run.out.find("body weights: body-early.safetensors (") != std::string::npos);
    EXPECT(run.out.find("training images") != std::string::npos);  // read from the file's training record
    const WithoutShippedModels none;
    EXPECT(runCli({"--version"}).out.find("models/body-early.safetensors is not installed: looked in") !=
           std::string::npos);
}

// Two good inputs (a photo + target pair, an edit document) and a corrupt photo: two outputs, the failure
// reported, exit code 1.
TEST_CASE(cli_batch_runs_the_good_inputs_and_reports_the_bad_one) {
    namespace fs = std::filesystem;
    const fs::path edits = test::tempPath("batch-edits");
    fs::create_directories(edits);
    for (const char* name : {"a.jpg", "b.jpg"}) fs::copy_file(test::samplePath("messi5.jpg"), edits / name);
    fs::copy_file(test::samplePath("messi5.jpg.pose.json"), edits / "a.jpg.pose.json");
    fs::copy_file(test::samplePath("messi5.jpg.target.json"), edits / "a.jpg.target.json");
    edit::EditDocument document;
    document.photoPath = "b.jpg";
    document.reference = pose::readOpenPoseJson(test::samplePath("messi5.jpg.pose.json")).at(0);
    document.target = pose::readOpenPoseJson(test::samplePath("messi5.jpg.target.json")).at(0);
    edit::writeEditDocument((edits / "b.jpg.marionette.json").string(), document);
    files::writeAtomically((edits / "c.jpg").string(), "not a JPEG");
    fs::copy_file(test::samplePath("messi5.jpg.pose.json"), edits / "c.jpg.pose.json");
    fs::copy_file(test::samplePath("messi5.jpg.target.json"), edits / "c.jpg.target.json");
    // A portrait edit: the face moved two pixels to the right, run by the portrait model.
    fs::copy_file(test::samplePath("astronaut.jpg"), edits / "p.jpg");
    edit::EditDocument portrait;
    portrait.photoPath = "p.jpg";
    portrait.mode = "portrait";
    edit::PortraitEdit face;
    face.reference = face::readPts(test::samplePath("astronaut.jpg.landmarks.pts"));
    face.target = face.reference.mapped([](Point2 p) { return Point2{p.x + 2, p.y}; });
    face.parameters = face::FaceParameters::neutral(face::MorphableModel::standard());
    portrait.portrait = face;
    edit::writeEditDocument((edits / "p.jpg.marionette.json").string(), portrait);

    const fs::path out = test::tempPath("batch-out");
    const auto run =
        runCli({"batch", "--edits", edits.string(), "--out", out.string(), "--method", "network", "--threads", "2"});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT_EQ(image::loadImage((out / "a-edited.png").string()).size(),
              image::loadImage(test::samplePath("messi5.jpg")).size());
    EXPECT(fs::exists(out / "b-edited.png"));
    EXPECT(!fs::exists(out / "c-edited.png"));
    EXPECT_EQ(image::loadImage((out / "p-edited.png").string()).size(),
              image::loadImage(test::samplePath("astronaut.jpg")).size());
    EXPECT(run.out.find("3 done, 1 failed") != std::string::npos);
    EXPECT(run.out.find("input") != std::string::npos && run.out.find("FAILED") != std::string::npos);
    EXPECT(run.err.find("c.jpg: FAILED") != std::string::npos);
    // Every output went through a temporary file that was renamed: none is left behind.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(out)) files += entry.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, 3);

    // A list whose first output would land on its second input: that edit is refused, the input kept.
    fs::copy_file(edits / "a.jpg", edits / "a-edited.png");
    fs::copy_file(edits / "a.jpg.pose.json", edits / "a-edited.png.pose.json");
    files::writeAtomically((edits / "list.txt").string(),
                           "# photo, target\na.jpg a.jpg.target.json\n\na-edited.png a.jpg.target.json\n");
    const auto clash = runCli({"batch", "--edits", (edits / "list.txt").string(), "--out", edits.string(), "--method",
                               "network", "--threads", "2"});
    EXPECT_EQ(clash.code, cli::kExitFailure);
    EXPECT(clash.out.find("1 done, 1 failed") != std::string::npos);
    EXPECT(clash.out.find("is an input of this batch") != std::string::npos);
    EXPECT(files::readAll((edits / "a-edited.png").string(), 1u << 20) ==
           files::readAll(test::samplePath("messi5.jpg"), 1u << 20));
    EXPECT(fs::exists(edits / "a-edited-edited.png"));

    EXPECT_EQ(runCli({"batch", "--edits", edits.string(), "--out", out.string(), "--jobs", "0"}).code, cli::kExitUsage);
    const auto none = runCli({"batch", "--edits", test::tempPath("no-such-folder"), "--out", out.string()});
    EXPECT(none.code == cli::kExitFailure && none.err.find("no such folder or list file") != std::string::npos);
}
