#include "check.h"

#include "marionette/face/landmarks.h"
#include "marionette/face/part_maps.h"
#include "marionette/util/error.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace marionette;
using namespace marionette::face;

namespace {

FaceLandmarks syntheticFace(float cx, float cy, float scale) {
    // A plausible frontal face: jaw arc, brows, nose, eyes and lips on a unit layout.
    FaceLandmarks f;
    auto set = [&](int i, float x, float y) {
        f.points[static_cast<std::size_t>(i)] = {cx + x * scale, cy + y * scale};
    };
    for (int i = 0; i <= 16; ++i) {  // jaw: a U from temple to temple through the chin
        const float x = -1.f + 2.f * i / 16.f;
        set(i, x, -0.3f + 1.1f * std::sqrt(std::max(0.f, 1.f - x * x)));
    }
    for (int i = 0; i < 5; ++i) set(17 + i, -0.7f + 0.12f * i, -0.45f);
    for (int i = 0; i < 5; ++i) set(22 + i, 0.22f + 0.12f * i, -0.45f);
    for (int i = 0; i < 4; ++i) set(27 + i, 0.f, -0.3f + 0.12f * i);
    for (int i = 0; i < 5; ++i) set(31 + i, -0.16f + 0.08f * i, 0.22f);
    const float eye[6][2] = {{-0.5f, -0.2f},  {-0.42f, -0.26f}, {-0.3f, -0.26f},
                             {-0.22f, -0.2f}, {-0.3f, -0.15f},  {-0.42f, -0.15f}};
    for (int i = 0; i < 6; ++i) set(36 + i, eye[i][0], eye[i][1]);
    for (int i = 42; i < 48; ++i) {  // the left eye mirrors the right one
        const auto& m = eye[mirrorLandmark(i) - 36];
        set(i, -m[0], m[1]);
    }
    for (int i = 0; i < 12; ++i) {
        const float a = 2.f * static_cast<float>(M_PI) * i / 12.f;
        set(48 + i, -0.35f * std::cos(a), 0.5f - 0.12f * std::sin(a));
    }
    for (int i = 0; i < 8; ++i) {
        const float a = 2.f * static_cast<float>(M_PI) * i / 8.f;
        set(60 + i, -0.25f * std::cos(a), 0.5f - 0.05f * std::sin(a));
    }
    return f;
}

}  // namespace

TEST_CASE(face_layout_has_nine_parts_covering_68_points) {
    int covered = 0;
    for (const auto& p : faceParts()) {
        covered += p.last - p.first + 1;
        for (int i = p.first; i <= p.last; ++i) EXPECT(partOf(i) == p.part);
    }
    EXPECT_EQ(covered, kLandmarkCount);
    EXPECT(partInfo(FacePart::RightEye).closed);
    EXPECT(!partInfo(FacePart::Jaw).closed);
    for (int i = 0; i < kLandmarkCount; ++i) EXPECT_EQ(mirrorLandmark(mirrorLandmark(i)), i);
    EXPECT_EQ(mirrorLandmark(36), 45);
    EXPECT_EQ(mirrorLandmark(8), 8);
    EXPECT_THROWS(Error, partOf(68), "68");
}

TEST_CASE(face_pts_round_trip) {
    const FaceLandmarks f = syntheticFace(120.25f, 130.5f, 60.f);
    const std::string path = test::tempPath("face.pts");
    writePts(path, f);
    EXPECT(readPts(path) == f);
    const FaceLandmarks m = f.mirrored(100.f);
    EXPECT(m.mirrored(100.f) == f);
    EXPECT_NEAR(m.points[45].x, 200.f - f.points[36].x, 1e-4);
    const FaceLandmarks moved = f.mapped([](Point2 p) { return Point2{2.f * p.x + 1.f, p.y - 3.f}; });
    for (std::size_t i = 0; i < f.points.size(); ++i) {
        EXPECT_NEAR(moved.points[i].x, 2.f * f.points[i].x + 1.f, 1e-4);
        EXPECT_NEAR(moved.points[i].y, f.points[i].y - 3.f, 1e-4);
    }
}

TEST_CASE(face_pts_bad_inputs) {
    EXPECT_THROWS(Error, parsePts("version: 1\n{\n1 2\n}\n", "a.pts"), "a.pts", "n_points");
    EXPECT_THROWS(Error, parsePts("version: 1\nn_points: 5\n{\n}\n", "b.pts"), "b.pts", "5 points", "68");
    EXPECT_THROWS(Error, parsePts("n_points: 68\n{\n1 2\n3 4\n", "c.pts"), "c.pts", "only 2 of 68");
    std::string body = "n_points: 68\n{\n";
    for (int i = 0; i < 68; ++i) body += i == 40 ? "1 2 3\n" : "10 20\n";
    EXPECT_THROWS(Error, parsePts(body + "}\n", "d.pts"), "d.pts", "point 40");
    std::string negative = "n_points: 68\n{\n";
    for (int i = 0; i < 68; ++i) negative += i == 37 ? "-3 20\n" : "10 20\n";
    EXPECT_THROWS(Error, parsePts(negative + "}\n", "e.pts"), "e.pts", "landmark 37", "Right eye", "negative");
    std::string many = "n_points: 68\n{\n";
    for (int i = 0; i < 69; ++i) many += "10 20\n";
    EXPECT_THROWS(Error, parsePts(many + "}\n", "f.pts"), "f.pts", "more than 68");
    EXPECT_THROWS(Error, parsePts("n_points: x\n", "g.pts"), "not a number");
}

TEST_CASE(face_part_maps_peak_on_the_lines_and_stay_off_elsewhere) {
    const FaceLandmarks f = syntheticFace(128.f, 120.f, 70.f);
    const auto maps = renderPartMaps(f, 256, 256);
    EXPECT_EQ(maps.size(0), kPartCount);
    EXPECT_NEAR(maps.max().item<float>(), 1.0, 1e-5);
    for (int p = 0; p < kPartCount; ++p) EXPECT_NEAR(maps[p].max().item<float>(), 1.0, 1e-5);
    // On a landmark of the nose bridge the bridge map is near its peak; far away it is zero.
    const Point2 bridge = f.points[28];
    const float on =
        maps[static_cast<int>(FacePart::NoseBridge)][std::lround(bridge.y)][std::lround(bridge.x)].item<float>();
    EXPECT(on > 0.8f);
    EXPECT_NEAR(maps[static_cast<int>(FacePart::NoseBridge)][10][10].item<float>(), 0.0, 1e-6);
    // The line is thin: 5 px beside a vertical bridge segment (2 px wide, blur 1.5 px) almost nothing is left.
    const float beside =
        maps[static_cast<int>(FacePart::NoseBridge)][std::lround(bridge.y)][std::lround(bridge.x) + 5].item<float>();
    EXPECT(beside < 0.05f);
    // Closed parts are closed: the segment from the last right-eye point back to the first is drawn.
    const Point2 a = f.points[41], b = f.points[36];
    const float closing =
        maps[static_cast<int>(FacePart::RightEye)][std::lround((a.y + b.y) / 2)][std::lround((a.x + b.x) / 2)]
            .item<float>();
    EXPECT(closing > 0.5f);
}

TEST_CASE(face_part_maps_batch_equals_single) {
    std::vector<FaceLandmarks> faces{syntheticFace(60.f, 60.f, 30.f), syntheticFace(70.f, 50.f, 25.f)};
    const auto batch = renderPartMaps(faces, 128, 128);
    EXPECT_EQ(batch.dim(), 4);
    EXPECT(torch::allclose(batch[1], renderPartMaps(faces[1], 128, 128), 1e-5, 1e-6));
}
