#include "check.h"

#include "marionette/face/landmarks.h"
#include "marionette/image/image_io.h"
#include "marionette/pose/deepfashion_csv.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/train/adaptation.h"
#include "marionette/train/data.h"
#include "marionette/train_files/dataset_spec.h"
#include "marionette/train_files/deepfashion_dataset.h"
#include "marionette/train_files/folder_dataset.h"
#include "marionette/train_files/ordered_pairs.h"
#include "marionette/train_files/portrait_frames_dataset.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <set>
#include <tuple>

using namespace marionette;
using namespace marionette::train_files;
namespace fs = std::filesystem;

namespace {

// Fixtures are drawn at run time: a grey background, a white stick figure, a red disc on the nose and a
// blue disc on the left ankle, so that a test can find where a joint landed on the canvas.
constexpr int kMarkerRadius = 6;

fs::path freshFolder(const std::string& name) {
    const fs::path path = test::tempPath(name);
    fs::remove_all(path);
    fs::create_directories(path);
    return path;
}

// A standing person `height` pixels tall whose nose is near (x, y).
pose::Pose standingPerson(float x, float y, float height) {
    // COCO-18 order (skeleton.h): offsets in units of the person's height from the top of the head.
    static const float offsets[pose::kJointCount][2] = {
        {0.f, .08f},  {0.f, .18f},  {-.12f, .2f},  {-.16f, .35f}, {-.18f, .5f},  {.12f, .2f},
        {.16f, .35f}, {.18f, .5f},  {-.07f, .52f}, {-.08f, .72f}, {-.08f, .92f}, {.07f, .52f},
        {.08f, .72f}, {.08f, .92f}, {-.03f, .06f}, {.03f, .06f},  {-.06f, .07f}, {.06f, .07f}};
    pose::Pose p;
    for (int j = 0; j < pose::kJointCount; ++j)
        p.set(pose::jointAt(j), x + offsets[j][0] * height, y + (offsets[j][1] - offsets[0][1]) * height);
    return p;
}

cv::Point pixelOf(Point2 p) { return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))}; }

cv::Mat drawPerson(int width, int height, const pose::Pose& person) {
    cv::Mat img(height, width, CV_8UC3, cv::Scalar(110, 110, 110));
    for (const auto& limb : pose::limbs()) {
        cv::line(img, pixelOf(person.at(limb.parent).position), pixelOf(person.at(limb.child).position),
                 cv::Scalar(235, 235, 235), 3, cv::LINE_AA);
    }
    cv::circle(img, pixelOf(person.at(pose::JointId::Nose).position), kMarkerRadius, cv::Scalar(0, 0, 255), cv::FILLED);
    cv::circle(img, pixelOf(person.at(pose::JointId::LeftAnkle).position), kMarkerRadius, cv::Scalar(255, 0, 0),
               cv::FILLED);
    return img;
}

// The centre of the pixels of one saturated primary colour (0 red, 2 blue) on a [3, H, W] canvas in [-1, 1].
std::optional<Point2> markerCentre(const at::Tensor& image, int channel) {
    const auto others = channel == 0 ? std::vector<int64_t>{1, 2} : std::vector<int64_t>{0, 1};
    const auto mask = (image[channel] > 0.4) & (image[others[0]] < -0.3) & (image[others[1]] < -0.3);
    const auto where = mask.nonzero().to(torch::kFloat);  // [n, 2] (y, x)
    if (where.size(0) < 4) return std::nullopt;
    const auto mean = where.mean(0);
    return Point2{mean[1].item<float>(), mean[0].item<float>()};
}

void expectMarkerAt(const at::Tensor& image, int channel, Point2 expected, double tolerance = 1.0) {
    const auto found = markerCentre(image, channel);
    EXPECT(found.has_value());
    if (!found) return;
    EXPECT_NEAR(found->x, expected.x, tolerance);
    EXPECT_NEAR(found->y, expected.y, tolerance);
}

void expectCanvas(const train::PairSample& s, int64_t height, int64_t width) {
    EXPECT(s.reference.sizes() == torch::IntArrayRef({3, height, width}));
    EXPECT(s.target.sizes() == torch::IntArrayRef({3, height, width}));
    EXPECT(s.reference.min().item<float>() >= -1.f && s.reference.max().item<float>() <= 1.f);
}

bool samePair(const train::PairSample& a, const train::PairSample& b) {
    return torch::equal(a.reference, b.reference) && torch::equal(a.target, b.target) &&
           a.referencePose == b.referencePose && a.targetPose == b.targetPose && a.referenceFace == b.referenceFace &&
           a.targetFace == b.targetFace;
}

model::ModelConfig bodyCanvas(int height, int width) {
    auto c = model::ModelConfig::body();
    c.height = height;
    c.canvasWidth = width;
    return c;
}

// --- DeepFashion fixture ------------------------------------------------------------------------------

struct DeepFashionFixture {
    fs::path root;
    std::string keypoints, pairs;
    std::vector<pose::NamedPose> poses;  // the annotated images, in the order written
};

// Three annotated images (two at the literature's 256 x 176), one more name in the keypoints whose file
// is missing, and a pairs CSV with three usable pairs and two that must be dropped.
DeepFashionFixture deepFashionFlat(const std::string& name) {
    DeepFashionFixture f;
    f.root = freshFolder(name);
    const std::vector<std::string> names = {"fashionMENDenimid0000008001_1front.jpg",
                                            "fashionMENDenimid0000008002_2side.jpg",
                                            "fashionWOMENDressesid0000001101_1front.jpg"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto person = standingPerson(80.f + 8.f * float(i), 40.f, 200.f);
        f.poses.push_back({names[i], person});
        // The third sits in a sub-folder: flat names are found at any depth.
        const fs::path path = i == 2 ? f.root / "train" / names[i] : f.root / names[i];
        fs::create_directories(path.parent_path());
        image::saveImage(path.string(), drawPerson(176, 256, person));
    }
    f.poses.push_back({"fashionMENDenimid0000008003_3back.jpg", standingPerson(90.f, 40.f, 200.f)});  // no image file
    f.keypoints = (f.root / "fasion-annotation-train.csv").string();
    pose::writeDeepFashionKeypoints(f.keypoints, f.poses);
    f.pairs = (f.root / "fasion-pairs-train.csv").string();
    pose::writeDeepFashionPairs(f.pairs, {{names[0], names[1]},
                                          {names[1], names[0]},
                                          {names[0], "fashionMENDenimid0000008004_7additional.jpg"},  // no keypoints
                                          {names[2], "fashionMENDenimid0000008003_3back.jpg"},        // no image
                                          {names[2], names[0]}});
    return f;
}

// --- portrait fixture ---------------------------------------------------------------------------------

constexpr int kNoseTip = 30;
constexpr double kPi = 3.14159265358979323846;

// 68 distinct points around a face centred at (cx, cy); point 30 (the nose tip) at the centre.
face::FaceLandmarks faceAt(float cx, float cy) {
    face::FaceLandmarks f;
    for (int i = 0; i < face::kLandmarkCount; ++i) {
        const double angle = 2.0 * kPi * i / face::kLandmarkCount;
        const double radius = 0.45 + 0.5 * (i % 3) / 2.0;
        f.points[static_cast<std::size_t>(i)] = {static_cast<float>(cx + 30.0 * radius * std::cos(angle)),
                                                 static_cast<float>(cy + 36.0 * radius * std::sin(angle))};
    }
    f.points[kNoseTip] = {cx, cy};
    return f;
}

const Point2 kBackgroundMark{70.f, 120.f};  // a blue disc that never moves

cv::Mat drawFace(const face::FaceLandmarks& face) {
    cv::Mat img(170, 210, CV_8UC3, cv::Scalar(90, 120, 100));
    cv::circle(img, pixelOf(kBackgroundMark), kMarkerRadius, cv::Scalar(255, 0, 0), cv::FILLED);
    const Point2 nose = face.points[kNoseTip];
    cv::ellipse(img, pixelOf(nose), cv::Size(28, 36), 0, 0, 360, cv::Scalar(150, 180, 225), cv::FILLED);
    cv::circle(img, pixelOf(nose), kMarkerRadius, cv::Scalar(0, 0, 255), cv::FILLED);
    return img;
}

struct PortraitFixture {
    fs::path root;
    std::vector<face::FaceLandmarks> faces;  // frames 0001..0004 of clip01; 0003 has no .pts
};

PortraitFixture portraitFrames(const std::string& name) {
    PortraitFixture f;
    f.root = freshFolder(name);
    const fs::path clip = f.root / "clip01";
    fs::create_directories(clip);
    const std::vector<std::string> frames = {"0001.png", "0002.png", "0003.png", "0004.jpg"};
    for (std::size_t i = 0; i < frames.size(); ++i) {
        f.faces.push_back(faceAt(110.f + 12.f * float(i), 70.f + 5.f * float(i)));
        image::saveImage((clip / frames[i]).string(), drawFace(f.faces.back()));
    }
    face::writePts((clip / "0001.pts").string(), f.faces[0]);      // <stem>.pts
    face::writePts((clip / "0002.png.pts").string(), f.faces[1]);  // <frame>.pts
    face::writePts((clip / "0004.pts").string(), f.faces[3]);
    // A second video with a single annotated frame: no pair.
    fs::create_directories(f.root / "clip02");
    image::saveImage((f.root / "clip02" / "0001.png").string(), drawFace(faceAt(100.f, 80.f)));
    face::writePts((f.root / "clip02" / "0001.pts").string(), faceAt(100.f, 80.f));
    return f;
}

Point2 mappedThroughMarkers(const train::PairSample& s) {
    // The blue background disc must be at the same canvas position in both frames (one crop box).
    const auto a = markerCentre(s.reference, 2), b = markerCentre(s.target, 2);
    EXPECT(a.has_value() && b.has_value());
    if (!a || !b) return {};
    EXPECT_NEAR(a->x, b->x, 0.25);
    EXPECT_NEAR(a->y, b->y, 0.25);
    return *a;
}

}  // namespace

TEST_CASE(dataset_ordered_pairs_enumerate_every_pair_within_each_group_once) {
    const OrderedPairs pairs({3, 1, 0, 2, 1});
    EXPECT_EQ(pairs.size(), 8u);
    std::set<std::tuple<std::size_t, std::size_t, std::size_t>> seen;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto p = pairs.at(i);
        EXPECT(p.from != p.to);
        EXPECT(p.group == 0 || p.group == 3);
        EXPECT(p.from < (p.group == 0 ? 3u : 2u) && p.to < (p.group == 0 ? 3u : 2u));
        seen.insert({p.group, p.from, p.to});
    }
    EXPECT_EQ(seen.size(), 8u);
    EXPECT(pairs.at(0).from == 0 && pairs.at(0).to == 1);
    EXPECT(pairs.at(2).from == 1 && pairs.at(2).to == 0);
    EXPECT(pairs.at(6).group == 3 && pairs.at(6).from == 0 && pairs.at(6).to == 1);
    EXPECT_THROWS(Error, pairs.at(8), "pair 8", "8 pairs");
    EXPECT_EQ(OrderedPairs({1, 1}).size(), 0u);
}

TEST_CASE(dataset_deepfashion_reads_the_literature_layout) {
    const auto f = deepFashionFlat("df-flat");
    const DeepFashionDataset data(f.root.string(), f.keypoints, f.pairs, model::ModelConfig::body());
    EXPECT_EQ(data.size(), 3u);
    EXPECT_EQ(data.droppedPairs(), 2u);
    EXPECT_EQ(data.imageCount(), 3u);
    EXPECT(data.pairPaths(2).first.find("train") != std::string::npos);  // found in the sub-folder

    // 256 x 176 images on the 256 x 176 canvas: kept whole, keypoints unchanged.
    const auto s = data.pair(0, 1);
    expectCanvas(s, 256, 176);
    const auto& nose = f.poses[0].pose.at(pose::JointId::Nose).position;
    EXPECT_NEAR(s.referencePose.at(pose::JointId::Nose).position.x, nose.x, 1e-4);
    EXPECT_NEAR(s.referencePose.at(pose::JointId::Nose).position.y, nose.y, 1e-4);
    EXPECT_EQ(s.targetPose.presentCount(), pose::kJointCount);
    expectMarkerAt(s.reference, 0, s.referencePose.at(pose::JointId::Nose).position);
    expectMarkerAt(s.target, 0, s.targetPose.at(pose::JointId::Nose).position);
    expectMarkerAt(s.target, 2, s.targetPose.at(pose::JointId::LeftAnkle).position);
    // Pairs come in the CSV's order and do not depend on the seed.
    EXPECT(samePair(data.pair(1, 5), data.pair(1, 99)));
    EXPECT(torch::equal(data.pair(1, 0).reference, s.target));
    EXPECT(data.description().rfind("deepfashion:", 0) == 0);
    EXPECT_THROWS(Error, data.pair(3, 0), "pair 3", "3 pairs");

    // A larger canvas of the same aspect ratio: the whole image is resized, the pose scaled with it.
    const DeepFashionDataset twice(f.root.string(), f.keypoints, f.pairs, bodyCanvas(512, 352));
    const auto t = twice.pair(0, 1);
    expectCanvas(t, 512, 352);
    EXPECT_NEAR(t.referencePose.at(pose::JointId::Nose).position.x, (nose.x + 0.5) * 2.0 - 0.5, 1e-4);
    EXPECT_NEAR(t.referencePose.at(pose::JointId::Nose).position.y, (nose.y + 0.5) * 2.0 - 0.5, 1e-4);
    expectMarkerAt(t.reference, 0, t.referencePose.at(pose::JointId::Nose).position);
}

TEST_CASE(dataset_deepfashion_finds_inshop_tree_images_and_crops_other_sizes) {
    EXPECT_EQ(deepFashionFlatName("img/MEN/Denim/id_00000080/01_1_front.jpg").value_or(""),
              std::string("fashionMENDenimid0000008001_1front.jpg"));
    EXPECT_EQ(deepFashionFlatName("WOMEN/Blouses_Shirts/id_00000007/01_4_full.jpg").value_or(""),
              std::string("fashionWOMENBlouses_Shirtsid0000000701_4full.jpg"));
    EXPECT(!deepFashionFlatName("Denim/id_00000080/01_1_front.jpg"));

    const fs::path root = freshFolder("df-tree");
    const fs::path id = root / "img" / "MEN" / "Denim" / "id_00000080";
    fs::create_directories(id);
    // A portrait-shaped and a landscape photo, the person off-centre: both are cut with the person's box.
    const auto tall = standingPerson(110.f, 60.f, 240.f), wide = standingPerson(250.f, 30.f, 180.f);
    image::saveImage((id / "01_1_front.jpg").string(), drawPerson(300, 400, tall));
    image::saveImage((id / "02_2_side.png").string(), drawPerson(420, 260, wide));
    const std::string a = "fashionMENDenimid0000008001_1front.jpg", b = "fashionMENDenimid0000008002_2side.png";
    pose::writeDeepFashionKeypoints((root / "kp.csv").string(), {{a, tall}, {b, wide}});
    pose::writeDeepFashionPairs((root / "pairs.csv").string(), {{a, b}});

    const DeepFashionDataset data({root.string(), (root / "kp.csv").string(), (root / "pairs.csv").string()},
                                  model::ModelConfig::body());
    EXPECT_EQ(data.size(), 1u);
    const auto s = data.pair(0, 0);
    expectCanvas(s, 256, 176);
    // The drawn markers land where the mapped joints say.
    expectMarkerAt(s.reference, 0, s.referencePose.at(pose::JointId::Nose).position);
    expectMarkerAt(s.reference, 2, s.referencePose.at(pose::JointId::LeftAnkle).position);
    expectMarkerAt(s.target, 0, s.targetPose.at(pose::JointId::Nose).position);
    expectMarkerAt(s.target, 2, s.targetPose.at(pose::JointId::LeftAnkle).position);
    // It was a real crop (the pose moved and shrank) and the whole person is on the canvas.
    const Box onCanvas = *s.targetPose.bounds();
    EXPECT(std::fabs(s.targetPose.at(pose::JointId::Nose).position.x - 250.f) > 20.f);
    EXPECT(onCanvas.x > 0 && onCanvas.y > 0 && onCanvas.right() < 176 && onCanvas.bottom() < 256);
}

TEST_CASE(dataset_deepfashion_refuses_missing_files_with_their_names) {
    const auto f = deepFashionFlat("df-missing");
    const auto body = model::ModelConfig::body();
    const std::string nowhere = (f.root / "nowhere").string();
    EXPECT_THROWS(Error, DeepFashionDataset(nowhere, f.keypoints, f.pairs, body), nowhere,
                  "image folder does not exist");
    EXPECT_THROWS(Error, DeepFashionDataset(f.root.string(), nowhere + ".csv", f.pairs, body), nowhere + ".csv",
                  "keypoint CSV");
    EXPECT_THROWS(Error, DeepFashionDataset(f.root.string(), f.keypoints, nowhere + ".csv", body), nowhere + ".csv",
                  "pairs CSV");
    EXPECT_THROWS(Error, DeepFashionDataset(f.root.string(), f.pairs, f.pairs, body), f.pairs,
                  "name:keypoints_y:keypoints_x");
    EXPECT_THROWS(Error, DeepFashionDataset(f.root.string(), f.keypoints, f.pairs, model::ModelConfig::face()), "body");

    // No pair survives: the message names the pairs CSV and why.
    const std::string lonely = (f.root / "lonely-pairs.csv").string();
    pose::writeDeepFashionPairs(
        lonely,
        {{"a.jpg", "b.jpg"}, {"fashionMENDenimid0000008003_3back.jpg", "fashionMENDenimid0000008001_1front.jpg"}});
    EXPECT_THROWS(Error, DeepFashionDataset(f.root.string(), f.keypoints, lonely, body), lonely, "no usable pairs",
                  "without keypoints", "not found under");
    EXPECT_THROWS(Error, makeDataset("deepfashion:" + nowhere, body), nowhere, "does not exist");
    fs::remove(f.keypoints);
    EXPECT_THROWS(Error, makeDataset("deepfashion:" + f.root.string(), body), f.root.string(),
                  "fasion-annotation-train.csv", "fashion-annotation-train.csv");
}

TEST_CASE(dataset_folder_pairs_images_within_each_identity) {
    const fs::path root = freshFolder("folder");
    struct Item {
        std::string folder, file, poseFile;
        int width, height;
        pose::Pose person;
    };
    const std::vector<Item> items = {
        {"alice", "a.jpg", "a.jpg.pose.json", 240, 320, standingPerson(100.f, 50.f, 220.f)},
        {"alice", "b.png", "b_keypoints.json", 320, 240, standingPerson(200.f, 30.f, 150.f)},
        {"alice", "c.jpg", "c.jpg.pose.json", 200, 300, standingPerson(90.f, 20.f, 240.f)},
        {"alice", "d.jpg", "", 200, 300, standingPerson(90.f, 20.f, 240.f)},  // no pose file: dropped
        {"bob", "e.png", "e.png.pose.json", 260, 260, standingPerson(130.f, 40.f, 190.f)},
        {"bob", "f.jpg", "f_keypoints.json", 300, 360, standingPerson(140.f, 60.f, 260.f)},
        {"carol", "g.jpg", "g.jpg.pose.json", 200, 300, standingPerson(90.f, 20.f, 240.f)},  // no person: dropped
    };
    for (const auto& item : items) {
        fs::create_directories(root / item.folder);
        image::saveImage((root / item.folder / item.file).string(), drawPerson(item.width, item.height, item.person));
        if (item.poseFile.empty()) continue;
        const pose::People people =
            item.folder == "carol" ? pose::People{} : pose::People{item.person, standingPerson(10.f, 10.f, 50.f)};
        pose::writeOpenPoseJson((root / item.folder / item.poseFile).string(), people);
    }
    image::saveImage((root / "loose.png").string(), drawPerson(100, 100, standingPerson(50.f, 10.f, 80.f)));  // ignored

    const FolderDataset data(root.string(), model::ModelConfig::body());
    EXPECT_EQ(data.size(), 8u);  // 3 x 2 within alice, 2 x 1 within bob
    EXPECT_EQ(data.identityCount(), 2u);
    EXPECT_EQ(data.droppedImages(), 2u);
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const auto [from, to] = data.pairPaths(i);
        EXPECT(from != to);
        EXPECT(fs::path(from).parent_path() == fs::path(to).parent_path());
        seen.insert({from, to});
    }
    EXPECT_EQ(seen.size(), 8u);
    EXPECT(data.pairPaths(0) ==
           std::make_pair((root / "alice" / "a.jpg").string(), (root / "alice" / "b.png").string()));
    EXPECT(data.pairPaths(7) == std::make_pair((root / "bob" / "f.jpg").string(), (root / "bob" / "e.png").string()));

    for (const std::size_t i : {std::size_t(1), std::size_t(6)}) {
        const auto s = data.pair(i, 3);
        expectCanvas(s, 256, 176);
        EXPECT_EQ(s.referencePose.presentCount(), pose::kJointCount);  // the first person of the file
        expectMarkerAt(s.reference, 0, s.referencePose.at(pose::JointId::Nose).position);
        expectMarkerAt(s.reference, 2, s.referencePose.at(pose::JointId::LeftAnkle).position);
        expectMarkerAt(s.target, 0, s.targetPose.at(pose::JointId::Nose).position);
        expectMarkerAt(s.target, 2, s.targetPose.at(pose::JointId::LeftAnkle).position);
        EXPECT(samePair(s, data.pair(i, 4)));
    }
}

TEST_CASE(dataset_folder_refuses_bad_layouts_with_their_names) {
    const auto body = model::ModelConfig::body();
    const std::string nowhere = test::tempPath("no-such-folder");
    EXPECT_THROWS(Error, FolderDataset(nowhere, body), nowhere, "does not exist");
    const fs::path root = freshFolder("folder-unusable");
    fs::create_directories(root / "solo");
    image::saveImage((root / "solo" / "a.png").string(), drawPerson(100, 150, standingPerson(50.f, 10.f, 120.f)));
    pose::writeOpenPoseJson((root / "solo" / "a.png.pose.json").string(), {standingPerson(50.f, 10.f, 120.f)});
    image::saveImage((root / "solo" / "b.png").string(), drawPerson(100, 150, standingPerson(50.f, 10.f, 120.f)));
    files::writeAtomically((root / "solo" / "b.png.pose.json").string(), "{\"people\": [");
    EXPECT_THROWS(Error, FolderDataset(root.string(), body), root.string(), "no usable pairs", "unreadable pose file",
                  "alone in their folder");
    EXPECT_THROWS(Error, makeDataset("folder:" + nowhere, body), nowhere);
    EXPECT_THROWS(Error, FolderDataset(root.string(), model::ModelConfig::face()), "body");
}

TEST_CASE(dataset_portraits_crop_both_frames_with_one_box) {
    const auto f = portraitFrames("portraits");
    const auto config = model::ModelConfig::face();
    const PortraitFramesDataset data(f.root.string(), config);
    EXPECT_EQ(data.size(), 6u);           // frames 0001, 0002, 0004 of clip01; 0003 has no landmarks
    EXPECT_EQ(data.skippedFrames(), 2u);  // 0003, and the single frame of clip02
    EXPECT_EQ(data.videoCount(), 1u);
    for (std::size_t i = 0; i < data.size(); ++i) EXPECT(data.pairPaths(i).first.find("0003") == std::string::npos);

    const auto s = data.pair(1, 0);  // 0001 -> 0004: the largest movement
    EXPECT(data.pairPaths(1).second.find("0004.jpg") != std::string::npos);
    expectCanvas(s, 256, 256);
    EXPECT(s.referenceFace.has_value() && s.targetFace.has_value());
    // The faces' markers land on the mapped nose tips; the background marker stays put.
    expectMarkerAt(s.reference, 0, s.referenceFace->points[kNoseTip]);
    expectMarkerAt(s.target, 0, s.targetFace->points[kNoseTip]);
    const Point2 background = mappedThroughMarkers(s);
    // One mapping for both: the photo distance between the nose tips equals the canvas distance / scale.
    const double scale = (s.targetFace->points[kNoseTip].x - s.referenceFace->points[kNoseTip].x) /
                         (f.faces[3].points[kNoseTip].x - f.faces[0].points[kNoseTip].x);
    EXPECT_NEAR((s.referenceFace->points[kNoseTip].x - background.x) / scale,
                f.faces[0].points[kNoseTip].x - kBackgroundMark.x, 1.0);
    for (const auto* face : {&*s.referenceFace, &*s.targetFace}) {
        const Box b = face->bounds();
        EXPECT(b.x > 0 && b.y > 0 && b.right() < 256 && b.bottom() < 256);
    }
    EXPECT(samePair(s, data.pair(1, 7)));
    EXPECT_THROWS(Error, PortraitFramesDataset(f.root.string(), model::ModelConfig::body()), "face");
    const std::string empty = freshFolder("portraits-empty").string();
    EXPECT_THROWS(Error, PortraitFramesDataset(empty, config), empty, "no usable pairs");
}

TEST_CASE(dataset_portraits_ask_the_landmark_provider_for_frames_without_pts) {
    const auto f = portraitFrames("portraits-provider");
    std::atomic<int> calls{0};
    PortraitFramesOptions options{f.root.string(), [&](const cv::Mat& frame) -> std::optional<face::FaceLandmarks> {
                                      ++calls;
                                      EXPECT_EQ(frame.cols, 210);
                                      return f.faces[2];
                                  }};
    const PortraitFramesDataset data(options, model::ModelConfig::face());
    EXPECT_EQ(data.size(), 12u);  // four frames of clip01 now
    EXPECT_EQ(calls.load(), 0);   // detection waits until a pair needs it
    std::size_t withFrame3 = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data.pairPaths(i).first.find("0003") == std::string::npos) continue;
        const auto s = data.pair(i, 0);
        expectMarkerAt(s.reference, 0, s.referenceFace->points[kNoseTip]);
        ++withFrame3;
    }
    EXPECT_EQ(withFrame3, 3u);
    EXPECT_EQ(calls.load(), 1);  // cached after the first detection

    PortraitFramesOptions faceless{f.root.string(),
                                   [](const cv::Mat&) { return std::optional<face::FaceLandmarks>(); }};
    const PortraitFramesDataset none(faceless, model::ModelConfig::face());
    for (std::size_t i = 0; i < none.size(); ++i) {
        if (none.pairPaths(i).second.find("0003") != std::string::npos)
            EXPECT_THROWS(Error, none.pair(i, 0), "0003.png", "no face");
    }
}

TEST_CASE(dataset_specs_open_each_layout) {
    const auto body = model::ModelConfig::body();
    const auto f = deepFashionFlat("spec-df");
    EXPECT_EQ(makeDataset("deepfashion:" + f.root.string(), body)->size(), 3u);
    // The correct spelling is accepted too, and CSV names relative to the root.
    fs::rename(f.keypoints, f.root / "fashion-annotation-train.csv");
    fs::rename(f.pairs, f.root / "fashion-pairs-train.csv");
    EXPECT_EQ(makeDataset("deepfashion:" + f.root.string(), body)->size(), 3u);
    const auto explicitCsvs =
        makeDataset("deepfashion:" + f.root.string() + ",fashion-annotation-train.csv,fashion-pairs-train.csv", body);
    EXPECT_EQ(explicitCsvs->size(), 3u);
    EXPECT(explicitCsvs->description().rfind("deepfashion:", 0) == 0);
    EXPECT_THROWS(Error, makeDataset("deepfashion:" + f.root.string() + ",only-one.csv", body), "expected",
                  "KEYPOINTS_CSV");

    const auto p = portraitFrames("spec-portraits");
    const auto portraits = makeDataset("portraits:" + p.root.string(), model::ModelConfig::face());
    EXPECT_EQ(portraits->size(), 6u);
    EXPECT(portraits->description().rfind("portraits:", 0) == 0);

    const fs::path people = freshFolder("spec-folder") / "someone";
    fs::create_directories(people);
    for (const std::string name : {"1.png", "2.png"}) {
        const auto person = standingPerson(60.f, 20.f, 150.f);
        image::saveImage((people / name).string(), drawPerson(120, 180, person));
        pose::writeOpenPoseJson((people / (name + ".pose.json")).string(), {person});
    }
    EXPECT_EQ(makeDataset("folder:" + people.parent_path().string(), body)->size(), 2u);

    EXPECT_THROWS(Error, makeDataset("bogus:somewhere", body), "bogus:somewhere",
                  "deepfashion:ROOT[,KEYPOINTS_CSV,PAIRS_CSV]", "folder:DIR", "portraits:DIR");
    EXPECT_THROWS(Error, makeDataset("just-a-path", body), "just-a-path", "folder:DIR");
    EXPECT_THROWS(Error, makeDataset("folder:", body), "names no path", "folder:DIR");
}

TEST_CASE(dataset_corrupt_image_fails_its_pairs_and_the_loader_skips_them) {
    const fs::path root = freshFolder("folder-corrupt");
    for (const std::string who : {"good", "bad"}) {
        fs::create_directories(root / who);
        for (const std::string name : {"1.jpg", "2.jpg"}) {
            const auto person = standingPerson(60.f, 20.f, 150.f);
            image::saveImage((root / who / name).string(), drawPerson(120, 180, person));
            pose::writeOpenPoseJson((root / who / (name + ".pose.json")).string(), {person});
        }
    }
    // Cut one JPEG in half: the loader's image reader refuses it.
    const std::string broken = (root / "bad" / "2.jpg").string();
    const std::string bytes = files::readAll(broken, image::kMaxImageFileBytes);
    files::writeAtomically(broken, bytes.substr(0, bytes.size() / 2));

    const auto config = model::ModelConfig::body();
    auto data = std::make_shared<FolderDataset>(root.string(), config);
    EXPECT_EQ(data->size(), 4u);
    EXPECT_THROWS(Error, data->pair(0, 0), broken, "truncated");  // "bad" sorts first
    EXPECT_THROWS(Error, data->pair(1, 0), broken);
    expectCanvas(data->pair(2, 0), 256, 176);

    train::BatchLoader::Options options;
    options.batchSize = 4;
    options.workers = 1;
    options.seed = 11;
    options.augment.flip = false;
    options.augment.maxScale = options.augment.maxShift = options.augment.colourJitter = 0.0;
    train::BatchLoader loader(data, config, options);
    for (int i = 0; i < 8 && loader.skippedSamples() == 0; ++i) {
        const train::Batch batch = loader.next();
        EXPECT_EQ(batch.size(), 4u);
        EXPECT(batch.reference.sizes() == torch::IntArrayRef({4, 3, 256, 176}));
        EXPECT(batch.targetSemantics.sizes() == torch::IntArrayRef({4, 18, 256, 176}));
    }
    EXPECT(loader.skippedSamples() > 0);
}

TEST_CASE(dataset_photos_repose_each_photo_of_a_file_or_folder) {
    const auto body = model::ModelConfig::body();
    const fs::path root = freshFolder("photos");
    const pose::Pose person = standingPerson(60.f, 12.f, 140.f);
    image::saveImage((root / "a.png").string(), drawPerson(120, 170, person));
    pose::writeOpenPoseJson((root / "a.png.pose.json").string(), {person});
    image::saveImage((root / "b.png").string(), drawPerson(120, 170, person));
    pose::writeOpenPoseJson((root / "b_keypoints.json").string(), {person});
    image::saveImage((root / "no-pose.png").string(), drawPerson(120, 170, person));  // dropped
    files::writeAtomically((root / "broken.png").string(), "not an image");
    pose::writeOpenPoseJson((root / "broken.png.pose.json").string(), {person});  // dropped: unreadable

    const auto folder = makeDataset("photos:" + root.string(), body);
    const auto* photos = dynamic_cast<const train::LimbWarpedPhotos*>(folder.get());
    EXPECT(photos != nullptr);
    EXPECT_EQ(photos->photoCount(), std::size_t(2));
    EXPECT(folder->description().find("2 photos") != std::string::npos);
    // The target is the photo on the canvas, the reference a reposed copy of it.
    const train::PairSample pair = folder->pair(0, 0);
    EXPECT_EQ(pair.target.size(1), 256);
    EXPECT_EQ(pair.target.size(2), 176);
    EXPECT_EQ(pair.reference.sizes(), pair.target.sizes());
    EXPECT(pair.referencePose.presentCount() == person.presentCount());

    const auto single = makeDataset("photos:" + (root / "a.png").string(), body);
    EXPECT_EQ(dynamic_cast<const train::LimbWarpedPhotos*>(single.get())->photoCount(), std::size_t(1));
    EXPECT(torch::equal(single->pair(0, 0).target, pair.target));
    const auto edits = makeDataset("photo-edits:" + (root / "a.png").string(), body);
    EXPECT(torch::equal(edits->pair(0, 0).reference, pair.target));  // from the photo, even on an even draw
    EXPECT(edits->pair(0, 0).referencePose == pair.targetPose);

    EXPECT_THROWS(Error, makeDataset("photos:" + (root / "no-pose.png").string(), body), "no usable photo",
                  "beside them");
    EXPECT_THROWS(Error, makeDataset("photos:" + (root / "a.png.pose.json").string(), body), "is not an image");
    EXPECT_THROWS(Error, makeDataset("photos:" + test::tempPath("no-such-photo.png"), body), "does not exist");
    // No photo here has landmarks beside it, which a face model needs.
    EXPECT_THROWS(Error, makeDataset("photos:" + root.string(), model::ModelConfig::face()), "no usable photo",
                  ".landmarks.pts");
}

TEST_CASE(dataset_photos_warp_each_face_for_a_face_model) {
    const auto faceConfig = model::ModelConfig::face();
    const fs::path root = freshFolder("face-photos");
    const face::FaceLandmarks a = faceAt(100.f, 80.f), b = faceAt(120.f, 90.f);
    image::saveImage((root / "a.png").string(), drawFace(a));
    face::writePts((root / "a.png.landmarks.pts").string(), a);  // as the editor's samples have them
    image::saveImage((root / "b.jpg").string(), drawFace(b));
    face::writePts((root / "b.pts").string(), b);
    image::saveImage((root / "bare.png").string(), drawFace(a));  // dropped: no landmarks

    const auto folder = makeDataset("photos:" + root.string(), faceConfig);
    const auto* faces = dynamic_cast<const train::LandmarkWarpedPhotos*>(folder.get());
    EXPECT(faces != nullptr);
    EXPECT_EQ(faces->photoCount(), std::size_t(2));
    EXPECT(folder->description().find("2 faces") != std::string::npos);
    // Pair 0 goes from a warped copy to the face cut out on the canvas (its nose drawn at the landmark).
    const train::PairSample pair = folder->pair(0, 0);
    EXPECT(pair.target.sizes() == torch::IntArrayRef({3, 256, 256}));
    EXPECT_EQ(pair.reference.sizes(), pair.target.sizes());
    EXPECT(pair.referenceFace.has_value() && pair.targetFace.has_value());
    const auto nose = markerCentre(pair.target, 0);
    EXPECT(nose.has_value());
    if (nose) {
        EXPECT_NEAR(nose->x, pair.targetFace->points[kNoseTip].x, 1.5);
        EXPECT_NEAR(nose->y, pair.targetFace->points[kNoseTip].y, 1.5);
    }
    EXPECT(!(*pair.referenceFace == *pair.targetFace));
    // Every other draw of a photo goes the other way, as an edit does: from the face to a warped copy.
    const train::PairSample back = folder->pair(2, 0);
    EXPECT(back.referenceFace.has_value());
    EXPECT(torch::equal(back.reference, pair.target));
    // photo-edits: every draw goes from the photo, as an edit does.
    const auto edits = makeDataset("photo-edits:" + root.string(), faceConfig);
    EXPECT(edits->description().find("from the photo only") != std::string::npos);
    for (std::size_t i : {0, 2, 4}) {
        const train::PairSample e = edits->pair(i, 0);
        EXPECT(torch::equal(e.reference, pair.target));
        EXPECT(!torch::equal(e.target, pair.target));
    }

    EXPECT_THROWS(Error, makeDataset("photos:" + (root / "bare.png").string(), faceConfig), "no usable photo",
                  "beside them");
}
