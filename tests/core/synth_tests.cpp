#include "check.h"

#include "marionette/synth/body_pair_generator.h"
#include "marionette/synth/limb_warp.h"
#include "marionette/synth/portrait_pair_generator.h"
#include "marionette/synth/random.h"
#include "marionette/synth/seeds.h"
#include "marionette/synth/thin_plate_spline.h"
#include "marionette/util/error.h"

#include <torch/types.h>

#include <cmath>
#include <limits>

using namespace marionette;
using pose::JointId;

namespace {

// Every seed these tests generate from: training and validation seeds only, never the report range.
constexpr std::uint64_t kBodySeeds[] = {3, 17, 1000, synth::kFirstHeldOutSeed + 5};
constexpr std::uint64_t kPortraitSeeds[] = {2, 41, synth::kFirstHeldOutSeed + 9};
constexpr std::uint64_t kWarpSeeds[] = {0, 1, 2, 3, 4, 5, 6, 7};

float pixel(const torch::Tensor& image, int channel, float x, float y) {
    return image[channel][static_cast<int64_t>(std::lround(y))][static_cast<int64_t>(std::lround(x))].item<float>();
}

// Largest colour difference between two images over the (2r+1)^2 pixels round (x, y).
float patchDifference(const torch::Tensor& a, const torch::Tensor& b, Point2 p, int r) {
    const auto x0 = std::max<int64_t>(0, std::lround(p.x) - r), y0 = std::max<int64_t>(0, std::lround(p.y) - r);
    const auto x1 = std::min<int64_t>(a.size(2), std::lround(p.x) + r + 1),
               y1 = std::min<int64_t>(a.size(1), std::lround(p.y) + r + 1);
    return (a.slice(1, y0, y1).slice(2, x0, x1) - b.slice(1, y0, y1).slice(2, x0, x1)).abs().max().item<float>();
}

bool isBodyJoint(JointId j) {
    return j != JointId::Nose && j != JointId::RightEye && j != JointId::LeftEye && j != JointId::RightEar &&
           j != JointId::LeftEar;
}

// A standing skeleton in a 256 x 176 canvas.
pose::Pose standingPose() {
    pose::Pose p;
    p.set(JointId::Nose, 88, 40);
    p.set(JointId::Neck, 88, 62);
    p.set(JointId::RightShoulder, 64, 64);
    p.set(JointId::RightElbow, 56, 100);
    p.set(JointId::RightWrist, 52, 136);
    p.set(JointId::LeftShoulder, 112, 64);
    p.set(JointId::LeftElbow, 120, 100);
    p.set(JointId::LeftWrist, 124, 136);
    p.set(JointId::RightHip, 76, 130);
    p.set(JointId::RightKnee, 74, 180);
    p.set(JointId::RightAnkle, 72, 228);
    p.set(JointId::LeftHip, 100, 130);
    p.set(JointId::LeftKnee, 102, 180);
    p.set(JointId::LeftAnkle, 104, 228);
    p.set(JointId::RightEye, 84, 36);
    p.set(JointId::LeftEye, 92, 36);
    p.set(JointId::RightEar, 78, 38);
    return p;  // left ear absent
}

}  // namespace

TEST_CASE(synth_seed_split_keeps_held_out_data_apart) {
    using namespace synth;
    // The ranges are disjoint and held out means exactly "not training".
    EXPECT(kTrainingSeeds.first + kTrainingSeeds.count <= kValidationSeeds.first);
    EXPECT(kValidationSeeds.first + kValidationSeeds.count <= kReportSeeds.first);
    for (std::uint64_t s :
         {std::uint64_t{0}, kFirstHeldOutSeed - 1, kFirstHeldOutSeed, kValidationSeeds.at(kValidationSeeds.count - 1),
          kReportSeeds.first, kReportSeeds.at(kReportSeeds.count - 1), kReportSeeds.first + kReportSeeds.count,
          std::numeric_limits<std::uint64_t>::max()}) {
        EXPECT_EQ(isHeldOutSeed(s), !isTrainingSeed(s));
        EXPECT(int(isTrainingSeed(s)) + int(isValidationSeed(s)) + int(isReportSeed(s)) <= 1);
    }
    EXPECT(isTrainingSeed(kFirstHeldOutSeed - 1));
    EXPECT(!isTrainingSeed(kFirstHeldOutSeed));
    EXPECT(isValidationSeed(kFirstHeldOutSeed));
    EXPECT(isReportSeed(kReportSeeds.first));
    EXPECT(!isReportSeed(kReportSeeds.first - 1));
    EXPECT(!isReportSeed(kReportSeeds.first + kReportSeeds.count));
    EXPECT(isHeldOutSeed(kReportSeeds.first + kReportSeeds.count));
    EXPECT_EQ(std::string(seedSplitName(7)), "training");
    EXPECT_EQ(std::string(seedSplitName(kReportSeeds.at(3))), "report");
    EXPECT_THROWS(Error, kValidationSeeds.at(kValidationSeeds.count), "past the end");
    // The tests themselves stay out of the report range.
    for (auto s : kBodySeeds) EXPECT(!isReportSeed(s));
    for (auto s : kPortraitSeeds) EXPECT(!isReportSeed(s));
    for (auto s : kWarpSeeds) EXPECT(!isReportSeed(s));
}

TEST_CASE(synth_random_numbers_are_reproducible_and_uniform) {
    synth::Rng a(42), b(42), c(43);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        const auto x = a.next();
        EXPECT_EQ(x, b.next());
        differs = differs || x != c.next();
    }
    EXPECT(differs);
    // Forked streams do not depend on what the parent drew.
    synth::Rng p(7), q(7);
    for (int i = 0; i < 10; ++i) (void)q.next();
    EXPECT_EQ(p.fork(3).next(), q.fork(3).next());
    EXPECT(p.fork(3).next() != p.fork(4).next());
    double sum = 0.0, sumSquares = 0.0;
    int low = 0;
    synth::Rng r(1);
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
        const double u = r.uniform();
        EXPECT(u >= 0.0 && u < 1.0);
        low += u < 0.25;
        const double g = r.normal();
        sum += g;
        sumSquares += g * g;
        const int k = r.uniformInt(-2, 2);
        EXPECT(k >= -2 && k <= 2);
    }
    EXPECT_NEAR(low / double(n), 0.25, 0.015);
    EXPECT_NEAR(sum / n, 0.0, 0.03);
    EXPECT_NEAR(sumSquares / n, 1.0, 0.05);
}

TEST_CASE(synth_body_pairs_are_deterministic_with_the_canvas_shape) {
    const synth::BodyGeneratorConfig config;
    EXPECT_EQ(config.height, 256);
    EXPECT_EQ(config.width, 176);
    const synth::BodyPairGenerator generator(config);
    const auto first = generator.generate(kBodySeeds[0]);
    const auto again = generator.generate(kBodySeeds[0]);
    const auto other = generator.generate(kBodySeeds[1]);
    EXPECT(torch::equal(first.reference, again.reference));
    EXPECT(torch::equal(first.target, again.target));
    EXPECT(torch::equal(first.targetMask, again.targetMask));
    EXPECT(first.referencePose == again.referencePose);
    EXPECT(first.targetPose == again.targetPose);
    EXPECT(!torch::equal(first.reference, other.reference));
    EXPECT(!(first.referencePose == other.referencePose));
    EXPECT_EQ(first.seed, kBodySeeds[0]);
    for (const auto& pair : {first, other}) {
        for (const auto& image : {pair.reference, pair.target}) {
            EXPECT(image.sizes() == torch::IntArrayRef({3, 256, 176}));
            EXPECT(image.scalar_type() == torch::kFloat32);
            EXPECT(image.min().item<float>() >= -1.f);
            EXPECT(image.max().item<float>() <= 1.f);
            EXPECT(image.std().item<float>() > 0.05f);  // not a flat picture
        }
        for (const auto& mask : {pair.referenceMask, pair.targetMask}) {
            EXPECT(mask.sizes() == torch::IntArrayRef({1, 256, 176}));
            EXPECT(mask.min().item<float>() >= 0.f && mask.max().item<float>() <= 1.f);
            // A person, neither missing nor filling the picture.
            const float covered = mask.mean().item<float>();
            EXPECT(covered > 0.05f && covered < 0.6f);
        }
        EXPECT(!pair.referenceFace && !pair.targetFace);
        EXPECT(!(pair.referencePose == pair.targetPose));
    }
}

TEST_CASE(synth_body_edits_keep_the_camera_and_turn_one_or_two_parts) {
    synth::BodyGeneratorConfig editing;
    editing.editProbability = 1.0;
    const synth::BodyPairGenerator plain, edits(editing);
    int edited = 0;
    for (std::uint64_t seed = 0; seed < 12; ++seed) {
        const auto before = plain.generate(seed);
        const auto pair = edits.generate(seed);
        EXPECT(!before.sameFraming);
        // The reference is the plain generator's: an edit draws from a stream of its own.
        EXPECT(torch::equal(pair.reference, before.reference));
        EXPECT(pair.referencePose == before.referencePose);
        if (!pair.sameFraming) {  // no edit of this pose stayed on the canvas: the plain pair
            EXPECT(torch::equal(pair.target, before.target));
            continue;
        }
        ++edited;
        // The torso is where it was; something else moved; the whole skeleton is on the canvas.
        for (const JointId j :
             {JointId::Neck, JointId::RightShoulder, JointId::LeftShoulder, JointId::RightHip, JointId::LeftHip}) {
            EXPECT_NEAR(pair.targetPose.at(j).position.x, pair.referencePose.at(j).position.x, 1e-3);
            EXPECT_NEAR(pair.targetPose.at(j).position.y, pair.referencePose.at(j).position.y, 1e-3);
        }
        double moved = 0;
        for (int j = 0; j < pose::kJointCount; ++j) {
            const auto a = pair.referencePose.find(pose::jointAt(j)), b = pair.targetPose.find(pose::jointAt(j));
            if (a && b)
                moved =
                    std::max<double>(moved, std::hypot(a->position.x - b->position.x, a->position.y - b->position.y));
        }
        EXPECT(moved > 1.0);
        const auto box = pair.targetPose.bounds();
        EXPECT(box && box->x >= 0 && box->y >= 0 && box->right() <= 175 && box->bottom() <= 255);
    }
    EXPECT(edited >= 9);
}

TEST_CASE(synth_body_figure_is_drawn_where_its_skeleton_says) {
    synth::BodyGeneratorConfig config;
    const synth::BodyPairGenerator generator(config);
    config.drawPerson = false;
    const synth::BodyPairGenerator sceneOnly(config);
    for (std::uint64_t seed : kBodySeeds) {
        const auto pair = generator.generate(seed);
        const auto scene = sceneOnly.generate(seed);
        EXPECT(torch::equal(scene.reference, scene.target));  // the same background behind both poses
        for (const auto& [image, skeleton, mask] : {std::tuple{pair.reference, pair.referencePose, pair.referenceMask},
                                                    std::tuple{pair.target, pair.targetPose, pair.targetMask}}) {
            int bodyJoints = 0;
            for (int j = 0; j < pose::kJointCount; ++j) {
                const JointId joint = pose::jointAt(j);
                const auto k = skeleton.find(joint);
                if (!k) {
                    EXPECT(!isBodyJoint(joint));  // only face points may be missing
                    continue;
                }
                EXPECT(k->position.x >= 0.f && k->position.x <= 175.f && k->position.y >= 0.f &&
                       k->position.y <= 255.f);
                if (joint == JointId::RightEar || joint == JointId::LeftEar) continue;  // on the head's outline
                bodyJoints += isBodyJoint(joint);
                EXPECT(pixel(mask, 0, k->position.x, k->position.y) > 0.5f);
                // The figure, not the background, is there.
                EXPECT(patchDifference(image, scene.reference, k->position, 2) > 0.05f);
            }
            EXPECT_EQ(bodyJoints, 13);
            // Each limb appears along its bone: the middle of every bone is covered by the person.
            for (const pose::Limb& limb : pose::limbs()) {
                const auto a = skeleton.find(limb.parent), b = skeleton.find(limb.child);
                if (!a || !b || !isBodyJoint(limb.child)) continue;
                const Point2 mid{(a->position.x + b->position.x) / 2, (a->position.y + b->position.y) / 2};
                EXPECT(pixel(mask, 0, mid.x, mid.y) > 0.5f);
            }
        }
    }
}

TEST_CASE(synth_limb_warp_with_unmoved_joints_is_the_identity) {
    const auto image = synth::BodyPairGenerator().generate(kBodySeeds[2]).reference;
    const pose::Pose p = standingPose();
    const auto warped = synth::warpByLimbs(image, p, p);
    EXPECT((warped - image).abs().max().item<float>() < 1e-4f);
    const auto grid = synth::limbWarpSourceCoordinates(p, p, 256, 176);
    EXPECT(grid.sizes() == torch::IntArrayRef({256, 176, 2}));
    EXPECT_NEAR(grid[100][30][0].item<float>(), 30.0, 1e-4);
    EXPECT_NEAR(grid[100][30][1].item<float>(), 100.0, 1e-4);
    // A pair whose draw moved nothing is the identity too.
    synth::LimbWarpConfig still;
    still.moveProbability = 0.0;
    const auto pair = synth::LimbWarpPairGenerator(still).generate(image, p, 5);
    EXPECT((pair.reference - pair.target).abs().max().item<float>() < 1e-4f);
    EXPECT(pair.referencePose == pair.targetPose);
}

TEST_CASE(synth_limb_warp_carries_a_textured_point_with_its_limb) {
    // A dark picture with one bright 3 x 3 spot on the right forearm, 40% of the way from elbow to wrist.
    const pose::Pose from = standingPose();
    const Point2 elbow = from.at(JointId::RightElbow).position, wrist = from.at(JointId::RightWrist).position;
    const Point2 spot{std::round(elbow.x + 0.4f * (wrist.x - elbow.x)),
                      std::round(elbow.y + 0.4f * (wrist.y - elbow.y))};
    auto image = torch::full({3, 256, 176}, -1.f);
    image.slice(1, std::lround(spot.y) - 1, std::lround(spot.y) + 2)
        .slice(2, std::lround(spot.x) - 1, std::lround(spot.x) + 2)
        .fill_(1.f);
    // Turn the forearm 50 degrees about the elbow.
    const double angle = 50.0 * 3.14159265358979323846 / 180.0, c = std::cos(angle), s = std::sin(angle);
    auto turned = [&](Point2 p) {
        const double dx = p.x - elbow.x, dy = p.y - elbow.y;
        return Point2{static_cast<float>(elbow.x + c * dx - s * dy), static_cast<float>(elbow.y + s * dx + c * dy)};
    };
    pose::Pose to = from;
    const Point2 newWrist = turned(wrist);
    to.set(JointId::RightWrist, newWrist.x, newWrist.y);
    const auto warped = synth::warpByLimbs(image, from, to);
    // The spot's centre of mass moved where the rotation takes it.
    const auto brightness = (warped[0] + 1.f).clamp_min(0.f);
    const auto ys = torch::arange(256, torch::kFloat32).view({256, 1}),
               xs = torch::arange(176, torch::kFloat32).view({1, 176});
    const float total = brightness.sum().item<float>();
    const Point2 expected = turned(spot);
    EXPECT(total > 4.f);
    EXPECT_NEAR((brightness * xs).sum().item<float>() / total, expected.x, 0.25);
    EXPECT_NEAR((brightness * ys).sum().item<float>() / total, expected.y, 0.25);
    // Far from the moved limb nothing changes.
    EXPECT_NEAR(pixel(warped, 0, 150, 30), -1.0, 1e-5);
}

TEST_CASE(synth_limb_warp_pairs_move_limbs_within_limits) {
    const auto photo = synth::BodyPairGenerator().generate(kBodySeeds[1]).target;
    const pose::Pose p = standingPose();
    const synth::LimbWarpPairGenerator generator;
    int moved = 0;
    for (std::uint64_t seed : kWarpSeeds) {
        const pose::Pose q = generator.movedPose(p, 256, 176, seed);
        EXPECT(q == generator.movedPose(p, 256, 176, seed));
        EXPECT(!q.has(JointId::LeftEar));  // absent stays absent
        EXPECT(q.find(JointId::Neck)->position.x == p.find(JointId::Neck)->position.x);
        for (const pose::Limb& limb : pose::limbs()) {
            const auto a = p.find(limb.parent), b = p.find(limb.child);
            if (!a || !b) continue;
            // Rotations keep every bone's length.
            const auto qa = q.at(limb.parent).position, qb = q.at(limb.child).position;
            EXPECT_NEAR(std::hypot(qb.x - qa.x, qb.y - qa.y),
                        std::hypot(b->position.x - a->position.x, b->position.y - a->position.y), 1e-3);
        }
        for (int j = 0; j < pose::kJointCount; ++j) {
            const auto k = q.find(pose::jointAt(j));
            if (k)
                EXPECT(k->position.x >= 0.f && k->position.x < 176.f && k->position.y >= 0.f && k->position.y < 256.f);
        }
        moved += !(q == p);
    }
    EXPECT(moved >= 6);
    const auto pair = generator.generate(photo, p, kWarpSeeds[3]);
    const auto again = generator.generate(photo, p, kWarpSeeds[3]);
    EXPECT(torch::equal(pair.reference, again.reference));
    // By default the untouched photo is the target and the warped one the reference.
    EXPECT(torch::equal(pair.target, photo));
    EXPECT(pair.targetPose == p);
    EXPECT(pair.referencePose == generator.movedPose(p, 256, 176, kWarpSeeds[3]));
    EXPECT(pair.reference.sizes() == photo.sizes());
    EXPECT((pair.reference - photo).abs().max().item<float>() > 0.1f);
}

TEST_CASE(synth_thin_plate_spline_interpolates_its_control_points) {
    synth::Rng rng(11);
    std::vector<Point2> controls, values;
    for (int i = 0; i < 40; ++i) {
        const Point2 c{static_cast<float>(rng.uniform(0, 255)), static_cast<float>(rng.uniform(0, 255))};
        controls.push_back(c);
        values.push_back({c.x + static_cast<float>(rng.normal(0, 6)), c.y + static_cast<float>(rng.normal(0, 6))});
    }
    const synth::ThinPlateSpline spline(controls, values);
    EXPECT_EQ(spline.size(), 40u);
    for (std::size_t i = 0; i < controls.size(); ++i) {
        const Point2 f = spline.evaluate(controls[i]);
        EXPECT_NEAR(f.x, values[i].x, 1e-3);
        EXPECT_NEAR(f.y, values[i].y, 1e-3);
    }
    // An affine map is reproduced everywhere, not only at the controls.
    std::vector<Point2> affine;
    for (const Point2& c : controls) affine.push_back({1.1f * c.x - 0.2f * c.y + 3.f, 0.1f * c.x + 0.9f * c.y - 5.f});
    const synth::ThinPlateSpline flat(controls, affine);
    const auto grid = flat.evaluateGrid(64, 48);
    EXPECT(grid.sizes() == torch::IntArrayRef({64, 48, 2}));
    EXPECT_NEAR(grid[50][20][0].item<float>(), 1.1 * 20 - 0.2 * 50 + 3, 1e-3);
    EXPECT_NEAR(grid[50][20][1].item<float>(), 0.1 * 20 + 0.9 * 50 - 5, 1e-3);
    // Bad control points are refused.
    EXPECT_THROWS(Error, synth::ThinPlateSpline({{0, 0}, {1, 1}}, {{0, 0}, {1, 1}}), "at least 3");
    EXPECT_THROWS(Error, synth::ThinPlateSpline({{0, 0}, {1, 1}, {0, 0}}, {{0, 0}, {1, 1}, {2, 2}}), "coincide");
    EXPECT_THROWS(Error, synth::ThinPlateSpline({{0, 0}, {1, 1}, {2, 2}}, {{0, 0}, {1, 1}, {2, 2}}), "degenerate");
    EXPECT_THROWS(Error, synth::ThinPlateSpline({{0, 0}, {1, 1}, {2, 0}}, {{0, 0}, {1, 1}}), "values");
}

TEST_CASE(synth_portrait_pairs_are_deterministic_faces_with_moved_landmarks) {
    const synth::PortraitPairGenerator generator;
    const auto first = generator.generate(kPortraitSeeds[0]);
    const auto again = generator.generate(kPortraitSeeds[0]);
    const auto other = generator.generate(kPortraitSeeds[1]);
    EXPECT(torch::equal(first.reference, again.reference));
    EXPECT(torch::equal(first.target, again.target));
    EXPECT(!torch::equal(first.reference, other.reference));
    for (std::uint64_t seed : kPortraitSeeds) {
        const auto pair = seed == kPortraitSeeds[0] ? first : generator.generate(seed);
        EXPECT(pair.reference.sizes() == torch::IntArrayRef({3, 256, 256}));
        EXPECT(pair.target.sizes() == torch::IntArrayRef({3, 256, 256}));
        EXPECT(pair.reference.min().item<float>() >= -1.f && pair.reference.max().item<float>() <= 1.f);
        EXPECT(pair.referenceFace && pair.targetFace);
        EXPECT(pair.referencePose.presentCount() == 0);
        EXPECT(!(*pair.referenceFace == *pair.targetFace));
        const Box a = pair.referenceFace->bounds(), b = pair.targetFace->bounds();
        EXPECT(a.width > 90 && a.width < 200 && b.width > 80 && b.width < 210);  // a face of the usual crop
        double largestMove = 0.0;
        for (std::size_t i = 0; i < face::kLandmarkCount; ++i) {
            const Point2 p = pair.referenceFace->points[i], q = pair.targetFace->points[i];
            EXPECT(q.x >= 0.f && q.x < 256.f && q.y >= 0.f && q.y < 256.f);
            largestMove = std::max<double>(largestMove, std::hypot(q.x - p.x, q.y - p.y));
        }
        EXPECT(largestMove > 1.0 && largestMove < 0.6 * a.width);
        // The drawn face lies under its landmarks: eyes, nose and mouth are on the person.
        for (const auto& [face, mask] :
             {std::pair{*pair.referenceFace, pair.referenceMask}, std::pair{*pair.targetFace, pair.targetMask}}) {
            for (int i : {30, 33, 36, 45, 51, 57}) {
                const Point2 p = face.points[static_cast<std::size_t>(i)];
                EXPECT(pixel(mask, 0, p.x, p.y) > 0.5f);
            }
        }
    }
}

TEST_CASE(synth_landmark_warp_is_exact_at_the_landmarks) {
    // A smaller canvas keeps the test quick (and checks that the size is honoured).
    synth::PortraitGeneratorConfig config;
    config.height = config.width = 128;
    const synth::PortraitPairGenerator generator(config);
    const synth::ProceduralPortrait face = generator.renderProceduralPortrait(kPortraitSeeds[1]);
    EXPECT(face.image.sizes() == torch::IntArrayRef({3, 128, 128}));
    // Same landmarks: the identity.
    EXPECT((synth::warpByLandmarks(face.image, face.landmarks, face.landmarks) - face.image).abs().max().item<float>() <
           1e-4f);
    // A bright spot on the nose tip travels to the moved nose tip.
    const face::FaceLandmarks moved = generator.perturbLandmarks(face.landmarks, kPortraitSeeds[1]);
    EXPECT(moved == generator.perturbLandmarks(face.landmarks, kPortraitSeeds[1]));
    const Point2 nose = face.landmarks.points[30], movedNose = moved.points[30];
    auto image = torch::full({3, 128, 128}, -1.f);
    image.slice(1, std::lround(nose.y) - 1, std::lround(nose.y) + 2)
        .slice(2, std::lround(nose.x) - 1, std::lround(nose.x) + 2)
        .fill_(1.f);
    // Spot drawn at the rounded position: compare with the moved position of that rounded point.
    const auto warped = synth::warpByLandmarks(image, face.landmarks, moved);
    const auto brightness = (warped[0] + 1.f).clamp_min(0.f);
    const auto ys = torch::arange(128, torch::kFloat32).view({128, 1}),
               xs = torch::arange(128, torch::kFloat32).view({1, 128});
    const float total = brightness.sum().item<float>();
    EXPECT(total > 4.f);
    EXPECT_NEAR((brightness * xs).sum().item<float>() / total, movedNose.x + (std::lround(nose.x) - nose.x), 1.0);
    EXPECT_NEAR((brightness * ys).sum().item<float>() / total, movedNose.y + (std::lround(nose.y) - nose.y), 1.0);
    // A photo pair: the photo is the reference, its warp the target.
    const auto pair = generator.generate(face.image, face.landmarks, kPortraitSeeds[2]);
    EXPECT(torch::equal(pair.reference, face.image));
    EXPECT(*pair.referenceFace == face.landmarks);
    EXPECT(*pair.targetFace == generator.perturbLandmarks(face.landmarks, kPortraitSeeds[2]));
    EXPECT(torch::equal(pair.target, generator.generate(face.image, face.landmarks, kPortraitSeeds[2]).target));
}

TEST_CASE(synth_bad_inputs_are_refused_with_a_reason) {
    synth::BodyGeneratorConfig body;
    body.height = 8;
    EXPECT_THROWS(Error, synth::BodyPairGenerator{body}, "canvas", "8x176");
    body = {};
    body.skirtProbability = 1.5;
    EXPECT_THROWS(Error, synth::BodyPairGenerator{body}, "probabilities");
    synth::LimbWarpConfig warp;
    warp.blendSigma = 0.0;
    EXPECT_THROWS(Error, synth::LimbWarpPairGenerator{warp}, "blendSigma");
    const synth::LimbWarpPairGenerator warper;
    EXPECT_THROWS(Error, warper.generate(torch::zeros({256, 176}), standingPose(), 1), "[3, H, W]");
    pose::Pose broken = standingPose();
    broken.set(JointId::RightWrist, std::nanf(""), 3.f);
    EXPECT_THROWS(Error, warper.generate(torch::zeros({3, 256, 176}), broken, 1), "Right wrist");
    const synth::PortraitPairGenerator portraits;
    EXPECT_THROWS(Error, portraits.generate(torch::zeros({1, 64, 64}), face::FaceLandmarks{}, 1), "[3, H, W]");
    synth::PortraitGeneratorConfig portrait;
    portrait.expressionProbability = -1.0;
    EXPECT_THROWS(Error, synth::PortraitPairGenerator{portrait}, "expressionProbability");
}
