// core/deform's face warp: the mesh over 68 landmarks, ARAP reuse, the mouth's hole and what the photo never
// showed, on the bundled portrait (resources/samples/astronaut.jpg and its landmarks).
#include "check.h"
#include "samples.h"

#include "marionette/deform/arap.h"
#include "marionette/deform/face_warp.h"
#include "marionette/deform/mesh_render.h"
#include "marionette/deform/part_mesh.h"
#include "marionette/util/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

using namespace marionette;
using namespace marionette::deform;

namespace {

// The iBUG .pts file's 68 points (the face library reads it for the app; deform takes plain points).
std::vector<cv::Point2f> readPts(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line) && line.find('{') == std::string::npos) {
    }
    std::vector<cv::Point2f> points;
    float x = 0, y = 0;
    while (std::getline(in, line) && line.find('}') == std::string::npos) {
        std::istringstream fields(line);
        if (fields >> x >> y) points.emplace_back(x, y);
    }
    return points;
}

struct Portrait {
    cv::Mat photo;
    std::vector<cv::Point2f> landmarks;
};

const Portrait& astronaut() {
    static const Portrait p{cv::imread(test::samplePath("astronaut.jpg"), cv::IMREAD_COLOR),
                            readPts(test::samplePath("astronaut.jpg.landmarks.pts"))};
    return p;
}

const FaceWarp& astronautWarp() {
    static const FaceWarp warp(astronaut().photo, astronaut().landmarks);
    return warp;
}

std::vector<cv::Point2f> shifted(std::vector<cv::Point2f> points, cv::Point2f by) {
    for (auto& p : points) p += by;
    return points;
}

// The mouth opened by `drop` pixels: the lower lip moves down by all of it, the chin and lower jaw by most of it.
std::vector<cv::Point2f> mouthOpened(std::vector<cv::Point2f> p, float drop) {
    for (int i : {55, 56, 57, 58, 59, 65, 66, 67}) p[static_cast<std::size_t>(i)].y += drop;
    for (int i = 4; i <= 12; ++i) p[static_cast<std::size_t>(i)].y += drop * (i >= 6 && i <= 10 ? 0.8f : 0.4f);
    return p;
}

cv::Mat filledPolygon(cv::Size size, const std::vector<cv::Point2f>& points) {
    std::vector<cv::Point> rounded;
    for (const auto& p : points)
        rounded.emplace_back(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
    cv::Mat mask = cv::Mat::zeros(size, CV_8U);
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{rounded}, cv::Scalar(255));
    return mask;
}

std::vector<cv::Point2f> innerMouth(const std::vector<cv::Point2f>& p) { return {p.begin() + 60, p.begin() + 68}; }

}  // namespace

TEST_CASE(deform_face_mesh_covers_the_face_and_no_triangle_is_turned_at_rest) {
    EXPECT(!astronaut().photo.empty());
    EXPECT_EQ(astronaut().landmarks.size(), std::size_t{68});
    const FaceMesh& mesh = astronautWarp().mesh();
    for (const auto& t : mesh.triangles) EXPECT(signedArea2(mesh.rest[t[0]], mesh.rest[t[1]], mesh.rest[t[2]]) > 0);
    for (int i = 0; i < kFaceLandmarks; ++i)
        EXPECT(cv::norm(mesh.rest[mesh.landmarkVertex[i]] - astronaut().landmarks[i]) < 1e-4);

    // Every pixel of the face's hull but the inner mouth is covered by a triangle at rest.
    const cv::Size size = astronaut().photo.size();
    const BackwardMap rest = rasteriseBackwardMap(mesh.rest, mesh.rest, mesh.triangles, size);
    EXPECT_EQ(rest.flippedTriangles, 0);
    cv::Mat covered = cv::Mat::zeros(size, CV_8U);
    rest.covered.copyTo(covered(rest.area));
    std::vector<cv::Point2f> hull;
    cv::convexHull(astronaut().landmarks, hull);
    cv::Mat mouth;
    cv::dilate(filledPolygon(size, innerMouth(astronaut().landmarks)), mouth, cv::Mat());
    const cv::Mat face = filledPolygon(size, hull) & ~mouth;
    EXPECT(cv::countNonZero(face) > 5000);
    EXPECT_EQ(cv::countNonZero(face & ~covered), 0);

    // The lips are not glued: no triangle joins the upper inner lip to the lower one (the corners aside).
    const auto onLip = [&](const std::vector<int>& lip, int v) {
        return std::find(lip.begin() + 1, lip.end() - 1, v) != lip.end() - 1;
    };
    EXPECT(mesh.upperLip.size() >= 5 && mesh.lowerLip.size() >= 5);
    for (const auto& t : mesh.triangles) {
        bool upper = false, lower = false;
        for (int k = 0; k < 3; ++k)
            upper = upper || onLip(mesh.upperLip, t[k]), lower = lower || onLip(mesh.lowerLip, t[k]);
        EXPECT(!(upper && lower));
    }
}

TEST_CASE(deform_face_pins_are_met_and_the_factorisation_is_reused_across_updates) {
    const FaceWarp& warp = astronautWarp();
    const FaceMesh& mesh = warp.mesh();
    const long before = ArapSolver::factorisationCount();
    for (const auto& target : {shifted(astronaut().landmarks, {4, -2}), mouthOpened(astronaut().landmarks, 10),
                               mouthOpened(shifted(astronaut().landmarks, {-3, 1}), 6)}) {
        const std::vector<cv::Point2f> v = warp.deformedVertices(target);
        for (int i = 0; i < kFaceLandmarks; ++i) EXPECT(cv::norm(v[mesh.landmarkVertex[i]] - target[i]) < 0.5);
        for (int r : mesh.ringVertices) EXPECT(cv::norm(v[r] - mesh.rest[r]) < 0.5);
        (void)warp.warp(target);
    }
    EXPECT_EQ(ArapSolver::factorisationCount(), before);
}

TEST_CASE(deform_face_no_landmark_moved_gives_the_photo_back_bit_for_bit) {
    const FaceWarpFrame still = astronautWarp().warp(astronaut().landmarks);
    EXPECT(still.changed.empty());
    EXPECT_EQ(cv::norm(pasteInto(astronaut().photo, still), astronaut().photo, cv::NORM_INF), 0.0);
    // Moved away and back: the photo again.
    (void)astronautWarp().warp(mouthOpened(astronaut().landmarks, 8));
    EXPECT_EQ(cv::norm(pasteInto(astronaut().photo, astronautWarp().warp(astronaut().landmarks)), astronaut().photo,
                       cv::NORM_INF),
              0.0);
}

TEST_CASE(deform_face_a_moved_face_shows_the_photo_moved_at_full_resolution) {
    // The whole face 6 pixels to the right: around the nose (far from the fixed ring) the photo shifted by 6.
    const FaceWarpFrame frame = astronautWarp().warp(shifted(astronaut().landmarks, {6, 0}));
    EXPECT(!frame.changed.empty());
    EXPECT_EQ(frame.flippedTriangles, 0);
    EXPECT_EQ(cv::countNonZero(frame.unseen), 0);
    const cv::Mat result = pasteInto(astronaut().photo, frame);
    const cv::Rect nose(218, 108, 16, 20);
    cv::Mat difference;
    cv::absdiff(result(nose + cv::Point(6, 0)), astronaut().photo(nose), difference);
    const cv::Scalar mean = cv::mean(difference);
    EXPECT(mean[0] < 4 && mean[1] < 4 && mean[2] < 4);
    // Far outside the face, nothing changed.
    EXPECT_EQ(cv::norm(result(cv::Rect(0, 400, 100, 100)), astronaut().photo(cv::Rect(0, 400, 100, 100)), cv::NORM_INF),
              0.0);
}

TEST_CASE(deform_face_an_opened_mouth_shows_what_the_photo_never_did_inside_the_mouth_only) {
    const FaceWarp& warp = astronautWarp();
    const std::vector<cv::Point2f> target = mouthOpened(astronaut().landmarks, 14);
    const FaceWarpFrame frame = warp.warp(target);
    EXPECT_EQ(frame.flippedTriangles, 0);
    EXPECT_EQ(frame.pixels.size(), frame.changed.size());
    EXPECT_EQ(frame.unseen.size(), frame.changed.size());
    EXPECT_EQ(frame.alpha.size(), frame.changed.size());
    const cv::Size size = astronaut().photo.size();
    cv::Mat unseen = cv::Mat::zeros(size, CV_8U);
    frame.unseen.copyTo(unseen(frame.changed));
    EXPECT(cv::countNonZero(unseen) > 40);
    // Every unseen pixel lies inside the target's inner mouth.
    cv::Mat targetMouth;
    cv::dilate(filledPolygon(size, innerMouth(target)), targetMouth, cv::Mat());
    EXPECT_EQ(cv::countNonZero(unseen & ~targetMouth), 0);
    // The alpha falls to 0 over the unseen pixels and is 1 away from them.
    const cv::Point hole = cv::boundingRect(frame.unseen).tl() + cv::Point(cv::boundingRect(frame.unseen).width / 2, 0);
    EXPECT(frame.alpha.at<float>(cv::boundingRect(frame.unseen).y + cv::boundingRect(frame.unseen).height / 2, hole.x) <
           0.5f);
    EXPECT_NEAR(frame.alpha.at<float>(0, 0), 1.0, 1e-6);

    // Outside the ring of fixed pins, the photo is untouched.
    std::vector<cv::Point2f> ring;
    for (int v : warp.mesh().ringVertices) ring.push_back(warp.mesh().rest[v]);
    const cv::Mat insideRing = filledPolygon(size, ring);
    const cv::Mat result = pasteInto(astronaut().photo, frame);
    cv::Mat changedPixels;
    cv::cvtColor(cv::abs(result - astronaut().photo), changedPixels, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(cv::countNonZero((changedPixels > 0) & ~insideRing), 0);
    EXPECT(cv::countNonZero((changedPixels > 0) & insideRing) > 200);
    // The upper lip and the nose stay where they were: only the jaw moved.
    const cv::Rect nose(218, 108, 16, 20);
    EXPECT(cv::norm(result(nose), astronaut().photo(nose), cv::NORM_L1) / nose.area() < 3.0);
}

TEST_CASE(deform_face_a_fold_is_drawn_whole_and_counted) {
    // The chin dragged up over the mouth: triangles turn over, the result is still drawn, never a tear.
    std::vector<cv::Point2f> target = astronaut().landmarks;
    for (int i = 5; i <= 11; ++i) target[static_cast<std::size_t>(i)].y -= 45;
    const FaceWarpFrame frame = astronautWarp().warp(target);
    EXPECT(frame.flippedTriangles > 0);
    EXPECT(!frame.pixels.empty());
}

TEST_CASE(deform_face_bad_inputs_are_refused_with_a_sentence) {
    const Portrait& p = astronaut();
    std::vector<cv::Point2f> few(p.landmarks.begin(), p.landmarks.begin() + 5);
    EXPECT_THROWS(Error, FaceWarp(p.photo, few), "68 landmarks", "got 5");
    std::vector<cv::Point2f> nan = p.landmarks;
    nan[30].x = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THROWS(Error, FaceWarp(p.photo, nan), "landmark 30", "not a number");
    EXPECT_THROWS(Error, FaceWarp(p.photo, shifted(p.landmarks, {2000, 0})), "outside the photo");
    std::vector<cv::Point2f> tiny = p.landmarks;
    for (auto& q : tiny) q = cv::Point2f(100, 100) + (q - p.landmarks[30]) * 0.1f;
    EXPECT_THROWS(Error, FaceWarp(p.photo, tiny), "too small");
    cv::Mat grey;
    cv::cvtColor(p.photo, grey, cv::COLOR_BGR2GRAY);
    EXPECT_THROWS(Error, FaceWarp(grey, p.landmarks), "8-bit colour");
    // Targets: checked on every update.
    EXPECT_THROWS(Error, astronautWarp().warp(few), "68 landmarks");
    EXPECT_THROWS(Error, astronautWarp().warp(nan), "not a number");
    // All 68 points on one spot: no face to mesh.
    const std::vector<cv::Point2f> collapsed(68, cv::Point2f(200, 200));
    EXPECT_THROWS(Error, FaceWarp(p.photo, collapsed), "too small");
}
