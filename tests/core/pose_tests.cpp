#include "check.h"

#include "marionette/pose/deepfashion_csv.h"
#include "marionette/pose/heatmap.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>

#include <filesystem>
#include <random>
#include <set>

using namespace marionette;
using namespace marionette::pose;

namespace {

Pose randomPose(std::mt19937& rng, float missingProbability) {
    std::uniform_real_distribution<float> coord(0.f, 1000.f), conf(0.05f, 1.f), u(0.f, 1.f);
    Pose p;
    for (int j = 0; j < kJointCount; ++j) {
        if (u(rng) < missingProbability) continue;
        p.set(jointAt(j), coord(rng), coord(rng), conf(rng));
    }
    return p;
}

std::string openPoseText(const std::string& values) {
    return R"({"version":1.3,"people":[{"person_id":[-1],"pose_keypoints_2d":[)" + values + "]}]}";
}

std::string joinValues(int count, double value) {
    std::string s;
    for (int i = 0; i < count; ++i) s += (i ? "," : "") + std::to_string(value);
    return s;
}

}  // namespace

TEST_CASE(pose_skeleton_is_a_tree_rooted_at_the_neck) {
    EXPECT_EQ(limbs().size(), std::size_t(17));
    std::set<int> children;
    for (const auto& limb : limbs()) children.insert(index(limb.child));
    EXPECT_EQ(children.size(), std::size_t(17));  // every joint but the neck is a child exactly once
    EXPECT(children.count(index(JointId::Neck)) == 0);
    for (int j = 0; j < kJointCount; ++j) {
        // Walking up the parents reaches the neck.
        JointId at = jointAt(j);
        int steps = 0;
        while (auto parent = parentOf(at)) {
            at = *parent;
            EXPECT(++steps < kJointCount);
            if (steps >= kJointCount) break;
        }
        EXPECT(at == JointId::Neck);
    }
}

TEST_CASE(pose_mirror_pairs_are_symmetric_and_swap_sides) {
    for (int j = 0; j < kJointCount; ++j) {
        const JointId joint = jointAt(j);
        EXPECT(mirrorOf(mirrorOf(joint)) == joint);
        const std::string key = jointKey(joint);
        const std::string mirrorKey = jointKey(mirrorOf(joint));
        if (key.rfind("right_", 0) == 0) EXPECT_EQ(mirrorKey, "left_" + key.substr(6));
        if (key.rfind("left_", 0) == 0) EXPECT_EQ(mirrorKey, "right_" + key.substr(5));
        if (key == "nose" || key == "neck") EXPECT(mirrorOf(joint) == joint);
        EXPECT(jointFromKey(key) == joint);
    }
    EXPECT(!jointFromKey("tail").has_value());
}

TEST_CASE(pose_mirrored_pose_swaps_left_and_right) {
    Pose p;
    p.set(JointId::RightWrist, 10.f, 20.f);
    p.set(JointId::Nose, 50.f, 5.f);
    const Pose m = p.mirrored(50.f);
    EXPECT(!m.has(JointId::RightWrist));
    EXPECT_NEAR(m.at(JointId::LeftWrist).position.x, 90.f, 1e-6);
    EXPECT_NEAR(m.at(JointId::LeftWrist).position.y, 20.f, 1e-6);
    EXPECT_NEAR(m.at(JointId::Nose).position.x, 50.f, 1e-6);
    EXPECT(m.mirrored(50.f) == p);
}

TEST_CASE(pose_openpose_json_round_trip) {
    std::mt19937 rng(7);
    People people{randomPose(rng, 0.2f), randomPose(rng, 0.5f), Pose{}};
    const std::string path = test::tempPath("round.json");
    writeOpenPoseJson(path, people);
    const People back = readOpenPoseJson(path);
    EXPECT_EQ(back.size(), people.size());
    for (std::size_t i = 0; i < people.size() && i < back.size(); ++i) EXPECT(back[i] == people[i]);
}

TEST_CASE(pose_body25_is_mapped_to_coco18) {
    // BODY_25 joint i at (i, 100 + i), confidence 0.5: COCO joints must pick the right BODY_25 indices.
    std::string values;
    for (int i = 0; i < 25; ++i) values += (i ? "," : "") + std::to_string(i) + "," + std::to_string(100 + i) + ",0.5";
    const People people = parseOpenPoseJson(openPoseText(values), "body25.json");
    EXPECT_EQ(people.size(), std::size_t(1));
    const Pose& p = people.at(0);
    EXPECT_EQ(p.presentCount(), 18);
    EXPECT_NEAR(p.at(JointId::Neck).position.x, 1, 0);
    EXPECT_NEAR(p.at(JointId::LeftWrist).position.x, 7, 0);
    EXPECT_NEAR(p.at(JointId::RightHip).position.x, 9, 0);  // BODY_25 8 is mid-hip, dropped
    EXPECT_NEAR(p.at(JointId::LeftAnkle).position.x, 14, 0);
    EXPECT_NEAR(p.at(JointId::LeftEar).position.x, 18, 0);
    EXPECT_NEAR(p.at(JointId::LeftEar).position.y, 118, 0);
    EXPECT_EQ(body25IndexOf(JointId::RightKnee), 10);
}

TEST_CASE(pose_openpose_zero_confidence_means_missing) {
    // Set the nose to 0,0,0 and the neck's confidence to 0 with a nonzero position.
    const People p = parseOpenPoseJson(openPoseText("0,0,0,3,4,0," + joinValues(48, 5.0)), "zeros.json");
    EXPECT(!p.at(0).has(JointId::Nose));
    EXPECT(!p.at(0).has(JointId::Neck));
    EXPECT(p.at(0).has(JointId::RightShoulder));
}

TEST_CASE(pose_openpose_bad_inputs_are_refused_with_the_file_name) {
    EXPECT_THROWS(Error, parseOpenPoseJson("{\"people\": [", "trunc.json"), "trunc.json", "not valid JSON");
    EXPECT_THROWS(Error, parseOpenPoseJson("[1,2]", "arr.json"), "arr.json", "people");
    EXPECT_THROWS(Error, parseOpenPoseJson(openPoseText(joinValues(53, 1.0)), "short.json"), "short.json", "53 values",
                  "54");
    EXPECT_THROWS(Error, parseOpenPoseJson(openPoseText(joinValues(60, 1.0)), "odd.json"), "60 values");
    EXPECT_THROWS(Error, parseOpenPoseJson(openPoseText("\"a\"," + joinValues(53, 1.0)), "str.json"), "not a number");
    EXPECT_THROWS(Error, parseOpenPoseJson(openPoseText("-5,3,1," + joinValues(51, 1.0)), "neg.json"), "neg.json",
                  "Nose", "negative");
    EXPECT_THROWS(Error, parseOpenPoseJson(openPoseText("1e9,3,1," + joinValues(51, 1.0)), "huge.json"), "beyond");
    EXPECT_THROWS(Error, parseOpenPoseJson(openPoseText("1,3,-1," + joinValues(51, 1.0)), "conf.json"), "confidence");
    // JSON has no NaN literal; 1e999 overflows to inf in the parser.
    EXPECT_THROWS(Error, parseOpenPoseJson(openPoseText("1e999,3,1," + joinValues(51, 1.0)), "inf.json"), "inf.json");
    EXPECT_THROWS(Error, readOpenPoseJson(test::tempPath("does-not-exist.json")), "no such file");
    const std::string empty = test::tempPath("empty.json");
    files::writeAtomically(empty, "");
    EXPECT_THROWS(Error, readOpenPoseJson(empty), "empty.json", "empty");
}

TEST_CASE(pose_deepfashion_keypoints_round_trip_and_missing_joints) {
    const std::string text =
        "name:keypoints_y:keypoints_x\n"
        "fashionWOMENBlouses_Shirtsid0000635004_1front.jpg: [21, 49, 47, 85, 119, 51, 87, 119, 123, 175, 225, 124, "
        "177, "
        "228, 16, 16, 20, 21]: [89, 87, 65, 61, 58, 109, 114, 119, 73, 73, 71, 101, 102, 101, 84, 94, 77, -1]\n";
    const auto poses = parseDeepFashionKeypoints(text, "kp.csv");
    EXPECT_EQ(poses.size(), std::size_t(1));
    const Pose& p = poses.at(0).pose;
    EXPECT_EQ(poses.at(0).name, std::string("fashionWOMENBlouses_Shirtsid0000635004_1front.jpg"));
    EXPECT_EQ(p.presentCount(), 17);
    EXPECT(!p.has(JointId::LeftEar));
    EXPECT_NEAR(p.at(JointId::Nose).position.x, 89, 0);  // x from the second list
    EXPECT_NEAR(p.at(JointId::Nose).position.y, 21, 0);
    const std::string path = test::tempPath("kp.csv");
    writeDeepFashionKeypoints(path, poses);
    const auto back = readDeepFashionKeypoints(path);
    EXPECT(back.at(0).pose == p);
    EXPECT_EQ(back.at(0).name, poses.at(0).name);

    std::mt19937 rng(3);
    std::vector<NamedPose> many;
    for (int i = 0; i < 20; ++i) many.push_back({"img" + std::to_string(i) + ".jpg", randomPose(rng, 0.3f)});
    for (auto& named : many) named.pose = named.pose.mapped([](Point2 q) { return Point2{q.x, q.y}; });
    writeDeepFashionKeypoints(path, many);
    const auto manyBack = readDeepFashionKeypoints(path);
    EXPECT_EQ(manyBack.size(), many.size());
    for (std::size_t i = 0; i < many.size() && i < manyBack.size(); ++i) {
        for (int j = 0; j < kJointCount; ++j) {  // confidence is not stored in DeepFashion files
            const auto a = many[i].pose.find(jointAt(j));
            const auto b = manyBack[i].pose.find(jointAt(j));
            EXPECT(a.has_value() == b.has_value());
            if (a && b) {
                EXPECT_EQ(a->position.x, b->position.x);
                EXPECT_EQ(a->position.y, b->position.y);
            }
        }
    }
}

TEST_CASE(pose_deepfashion_bad_inputs) {
    EXPECT_THROWS(Error, parseDeepFashionKeypoints("name,x\n", "h.csv"), "h.csv", "first line");
    const std::string header = "name:keypoints_y:keypoints_x\n";
    EXPECT_THROWS(Error, parseDeepFashionKeypoints(header + "a.jpg: [1, 2]: [1, 2]\n", "n.csv"), "n.csv", "line 2",
                  "expected 18");
    EXPECT_THROWS(Error, parseDeepFashionKeypoints(header + "a.jpg: [1, 2\n", "t.csv"), "line 2");
    EXPECT_THROWS(Error, parseDeepFashionKeypoints(header + "a.jpg: [1, x, 3]: [1]\n", "x.csv"),
                  "\"x\" is not a number");
    std::string ys = "[", xs = "[";
    for (int i = 0; i < 18; ++i) {
        ys += std::string(i ? ", " : "") + (i == 3 ? "nan" : "5");
        xs += std::string(i ? ", " : "") + "5";
    }
    EXPECT_THROWS(Error, parseDeepFashionKeypoints(header + "a.jpg: " + ys + "]: " + xs + "]\n", "nan.csv"), "nan.csv",
                  "Right elbow", "finite");
    EXPECT_THROWS(Error, parseDeepFashionPairs("a,b\n", "p.csv"), "p.csv", "from,to");
    EXPECT_THROWS(Error, parseDeepFashionPairs("from,to\na.jpg\n", "p.csv"), "line 2");
    EXPECT_THROWS(Error, parseDeepFashionPairs("from,to\na.jpg,b.jpg,c.jpg\n", "p.csv"), "line 2");
}

TEST_CASE(pose_deepfashion_pairs_round_trip) {
    std::vector<ImagePair> pairs{{"a.jpg", "b.jpg"}, {"c d.jpg", "e.jpg"}};
    const std::string path = test::tempPath("pairs.csv");
    writeDeepFashionPairs(path, pairs);
    const auto back = readDeepFashionPairs(path);
    EXPECT_EQ(back.size(), std::size_t(2));
    EXPECT_EQ(back.at(1).from, std::string("c d.jpg"));
    EXPECT_EQ(back.at(1).to, std::string("e.jpg"));
}

TEST_CASE(pose_heatmap_peaks_at_the_joint_with_the_documented_sigma) {
    Pose p;
    p.set(JointId::LeftKnee, 40.f, 100.f);
    p.set(JointId::Nose, 87.f, 13.f);
    const auto maps = renderHeatmaps(p, 256, 176);
    EXPECT_EQ(maps.size(0), 18);
    EXPECT_EQ(maps.size(1), 256);
    EXPECT_EQ(maps.size(2), 176);
    const auto knee = maps[index(JointId::LeftKnee)];
    const auto flat = knee.argmax().item<int64_t>();
    EXPECT_EQ(flat / 176, 100);
    EXPECT_EQ(flat % 176, 40);
    EXPECT_NEAR(knee[100][40].item<float>(), 1.0, 1e-6);
    // One sigma away the value is exp(-1/2); sigma is 6 px at height 256.
    EXPECT_NEAR(heatmapSigma(256), 6.0, 1e-12);
    EXPECT_NEAR(knee[100][46].item<float>(), std::exp(-0.5), 1e-5);
    EXPECT_NEAR(knee[94][40].item<float>(), std::exp(-0.5), 1e-5);
    // Missing joints are all-zero channels.
    EXPECT_EQ(maps[index(JointId::RightWrist)].abs().sum().item<float>(), 0.f);
    // Sigma scales with the height: at 512 it is 12 px.
    Pose q;
    q.set(JointId::Neck, 100.f, 200.f);
    const auto big = renderHeatmaps(q, 512, 352)[index(JointId::Neck)];
    EXPECT_NEAR(big[200][112].item<float>(), std::exp(-0.5), 1e-5);
    // A sub-pixel joint is still a Gaussian about its true position.
    Pose r;
    r.set(JointId::Neck, 10.5f, 20.f);
    const auto half = renderHeatmaps(r, 256, 176)[index(JointId::Neck)];
    EXPECT_NEAR(half[20][10].item<float>(), half[20][11].item<float>(), 1e-6);
}

TEST_CASE(pose_heatmap_batch_equals_single) {
    std::mt19937 rng(11);
    std::vector<Pose> poses;
    for (int i = 0; i < 3; ++i) {
        poses.push_back(randomPose(rng, 0.3f).mapped([](Point2 q) { return Point2{q.x * 0.17f, q.y * 0.25f}; }));
    }
    const auto batch = renderHeatmaps(poses, 64, 48);
    EXPECT_EQ(batch.dim(), 4);
    for (int i = 0; i < 3; ++i)
        EXPECT(torch::allclose(batch[i], renderHeatmaps(poses[static_cast<std::size_t>(i)], 64, 48)));
}

TEST_CASE(pose_median_joint_distance_ignores_a_stray_joint) {
    pose::Pose a, b;
    a.set(pose::JointId::Neck, 0, 0), b.set(pose::JointId::Neck, 3, 4);               // 5 apart
    a.set(pose::JointId::Nose, 0, 10), b.set(pose::JointId::Nose, 0, 16);             // 6 apart
    a.set(pose::JointId::RightWrist, 0, 0), b.set(pose::JointId::RightWrist, 90, 0);  // a stray joint
    a.set(pose::JointId::LeftWrist, 1, 1);                                            // only in one
    EXPECT(*pose::medianJointDistance(a, b) == 6.0);
    EXPECT(*pose::medianJointDistance(a, b, [](pose::JointId j) { return j == pose::JointId::Neck; }) == 5.0);
    EXPECT(!pose::medianJointDistance(a, pose::Pose{}).has_value());
}
