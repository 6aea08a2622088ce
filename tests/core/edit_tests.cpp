#include "check.h"
#include "samples.h"
#include "tiny_models.h"

#include "marionette/deform/quality.h"
#include "marionette/detect/movenet.h"
#include "marionette/detect/person_segmenter.h"
#include "marionette/edit/bundled_weights.h"
#include "marionette/edit/edit_document.h"
#include "marionette/edit/flow_prior.h"
#include "marionette/edit/portrait.h"
#include "marionette/edit/portrait_session.h"
#include "marionette/edit/pose_editing.h"
#include "marionette/edit/reference_pose.h"
#include "marionette/edit/repose_session.h"
#include "marionette/edit/round_trip.h"
#include "marionette/image/crop.h"
#include "marionette/image/image_io.h"
#include "marionette/model/training_summary.h"
#include "marionette/model/weights.h"
#include "marionette/pose/openpose_json.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

using namespace marionette;
using namespace marionette::edit;
using J = pose::JointId;

namespace {

pose::Pose samplePose() { return pose::readOpenPoseJson(test::samplePath("messi5.jpg.pose.json")).at(0); }

// A standing person with a vertical body axis at x = 100.
pose::Pose standing() { return defaultSkeleton(Box{50, 0, 100, 200}); }

float distance(Point2 a, Point2 b) { return std::hypot(a.x - b.x, a.y - b.y); }
Point2 pos(const pose::Pose& p, J j) { return p.at(j).position; }

// The paper's synthesis alone (the session's default is the hybrid warp).
RenderRequest networkRequest(const pose::Pose& target, bool preview, const MapSelection& maps) {
    RenderRequest request;
    request.target = target;
    request.preview = preview;
    request.maps = maps;
    request.method = ReposeMethod::Network;
    return request;
}
RenderRequest full(const pose::Pose& target) { return networkRequest(target, false, {}); }

model::ModelConfig tinyBody() { return test::tinyModelConfig(model::SemanticsKind::Body); }
model::ModelConfig tinyFace() { return test::tinyModelConfig(model::SemanticsKind::Face); }

// The largest difference between a hybrid frame's edited photo and the photo outside the box it says changed.
double largestChangeOutsideChangedBox(const cv::Mat& photo, const RenderedFrame& frame) {
    cv::Mat outside = cv::Mat::ones(photo.size(), CV_8U);
    if (!frame.changed.empty()) outside(frame.changed).setTo(0);
    cv::Mat difference;
    cv::absdiff(frame.photoResult, photo, difference);
    return cv::norm(difference, cv::NORM_INF, outside);
}

// Whether a hybrid frame used the network's drawing at photo pixel `p`.
bool networkDrewAt(const RenderedFrame& frame, Point2 p) {
    const cv::Point q(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
    return frame.changed.contains(q) && frame.networkMask.at<std::uint8_t>(q - frame.changed.tl()) != 0;
}

// The bundled portrait sample, detected and fitted once for all portrait cases.
const PortraitFace& astronautFace() {
    static const PortraitFace face =
        findPortraitFace(image::loadImage(test::samplePath("astronaut.jpg")), "astronaut.jpg");
    return face;
}

Point2 centroid(const face::FaceLandmarks& f, int first, int last) {
    Point2 c{0, 0};
    for (int i = first; i <= last; ++i) {
        c.x += f.points[static_cast<std::size_t>(i)].x;
        c.y += f.points[static_cast<std::size_t>(i)].y;
    }
    return {c.x / (last - first + 1), c.y / (last - first + 1)};
}

}  // namespace

TEST_CASE(edit_descendants_follow_the_limb_tree) {
    auto below = descendantsOf(J::RightShoulder);
    std::sort(below.begin(), below.end());
    EXPECT(below == (std::vector<J>{J::RightElbow, J::RightWrist}));
    EXPECT_EQ(descendantsOf(J::Neck).size(), std::size_t(pose::kJointCount - 1));
    EXPECT(descendantsOf(J::LeftAnkle).empty());
}

TEST_CASE(edit_default_skeleton_stands_inside_its_box) {
    const pose::Pose p = standing();
    EXPECT_EQ(p.presentCount(), pose::kJointCount);
    const Box b = *p.bounds();
    EXPECT(b.x >= 50 && b.right() <= 150 && b.y >= 0 && b.bottom() <= 200);
    EXPECT(pos(p, J::Nose).y < pos(p, J::Neck).y && pos(p, J::Neck).y < pos(p, J::RightHip).y &&
           pos(p, J::RightHip).y < pos(p, J::RightAnkle).y);
    EXPECT(pos(p, J::RightShoulder).x < pos(p, J::LeftShoulder).x);  // facing the camera
    EXPECT_NEAR(bodyAxis(p).origin.x, 100.0, 1e-4);
}

TEST_CASE(edit_move_joint_moves_only_that_joint) {
    const pose::Pose start = standing();
    const pose::Pose moved = moveJoint(start, J::RightElbow, {20, 30});
    EXPECT_NEAR(pos(moved, J::RightElbow).x, 20, 1e-5);
    EXPECT_NEAR(pos(moved, J::RightElbow).y, 30, 1e-5);
    EXPECT_NEAR(distance(pos(moved, J::RightWrist), pos(start, J::RightWrist)), 0, 1e-5);
    EXPECT_NEAR(distance(pos(moved, J::LeftElbow), pos(start, J::LeftElbow)), 0, 1e-5);
    pose::Pose missing = start;
    missing.remove(J::LeftEar);
    EXPECT(moveJoint(missing, J::LeftEar, {1, 1}) == missing);
}

TEST_CASE(edit_keep_bone_lengths_turns_the_limb_below) {
    const pose::Pose start = standing();
    const pose::Pose moved = moveJoint(start, J::RightElbow, {0, 40}, {false, true});
    // The elbow stays on its circle around the shoulder, pointing at the mouse.
    EXPECT_NEAR(distance(pos(moved, J::RightElbow), pos(moved, J::RightShoulder)),
                distance(pos(start, J::RightElbow), pos(start, J::RightShoulder)), 1e-3);
    EXPECT_NEAR(distance(pos(moved, J::RightShoulder), pos(start, J::RightShoulder)), 0, 1e-5);
    // The forearm followed rigidly.
    EXPECT_NEAR(distance(pos(moved, J::RightWrist), pos(moved, J::RightElbow)),
                distance(pos(start, J::RightWrist), pos(start, J::RightElbow)), 1e-3);
    EXPECT(distance(pos(moved, J::RightWrist), pos(start, J::RightWrist)) > 5);
    // The root moves everything.
    const pose::Pose shifted =
        moveJoint(start, J::Neck, {pos(start, J::Neck).x + 10, pos(start, J::Neck).y}, {false, true});
    EXPECT_NEAR(pos(shifted, J::LeftAnkle).x - pos(start, J::LeftAnkle).x, 10, 1e-4);
}

TEST_CASE(edit_symmetric_move_mirrors_the_offset) {
    const pose::Pose start = standing();
    const Point2 wrist = pos(start, J::RightWrist);
    const pose::Pose moved = moveJoint(start, J::RightWrist, {wrist.x - 7, wrist.y + 5}, {true, false});
    EXPECT_NEAR(pos(moved, J::LeftWrist).x - pos(start, J::LeftWrist).x, 7, 1e-4);  // vertical axis: dx flips
    EXPECT_NEAR(pos(moved, J::LeftWrist).y - pos(start, J::LeftWrist).y, 5, 1e-4);
    // A tilted axis (the body leaning 90 degrees): the reflection is across the neck -> hips line.
    const BodyAxis lying{{0, 0}, {1, 0}};
    const Point2 r = reflectOffset({3, 4}, lying);
    EXPECT_NEAR(r.x, 3, 1e-6);
    EXPECT_NEAR(r.y, -4, 1e-6);
    // Symmetric bone-length moves turn the mirror limb the other way, keeping its lengths.
    const pose::Pose turned = moveJoint(start, J::RightElbow, {0, 40}, {true, true});
    EXPECT_NEAR(distance(pos(turned, J::LeftElbow), pos(turned, J::LeftShoulder)),
                distance(pos(start, J::LeftElbow), pos(start, J::LeftShoulder)), 1e-3);
    EXPECT_NEAR(pos(turned, J::LeftElbow).x - 100, 100 - pos(turned, J::RightElbow).x, 1e-3);
    EXPECT_NEAR(pos(turned, J::LeftElbow).y, pos(turned, J::RightElbow).y, 1e-3);
}

TEST_CASE(edit_rotate_limb_keeps_the_parent_and_lengths) {
    const pose::Pose start = standing();
    const pose::Limb forearm{J::LeftElbow, J::LeftWrist};
    const Point2 elbow = pos(start, J::LeftElbow), wrist = pos(start, J::LeftWrist);
    const Point2 grabbed{(elbow.x + wrist.x) / 2, (elbow.y + wrist.y) / 2};
    // Quarter turn: grabbed below the elbow, now to its right.
    const float half = distance(elbow, grabbed);
    const pose::Pose turned = rotateLimb(start, forearm, grabbed, {elbow.x + half, elbow.y}, false);
    EXPECT_NEAR(distance(pos(turned, J::LeftElbow), elbow), 0, 1e-5);
    EXPECT_NEAR(distance(pos(turned, J::LeftWrist), elbow), distance(wrist, elbow), 1e-3);
    EXPECT_NEAR(pos(turned, J::LeftWrist).y, elbow.y, 0.5);  // now horizontal
    EXPECT_NEAR(distance(pos(turned, J::RightWrist), pos(start, J::RightWrist)), 0, 1e-5);
    const pose::Pose both = rotateLimb(start, forearm, grabbed, {elbow.x + half, elbow.y}, true);
    EXPECT_NEAR(pos(both, J::RightWrist).y, pos(both, J::RightElbow).y, 0.5);  // the mirror forearm too
    EXPECT(pos(both, J::RightWrist).x < pos(both, J::RightElbow).x);           // ... pointing the other way
}

TEST_CASE(edit_mirror_pose_swaps_sides_about_the_neck) {
    const pose::Pose p = samplePose();
    const pose::Pose m = mirrorPose(p);
    const float axis = pos(p, J::Neck).x;
    EXPECT_NEAR(pos(m, J::RightWrist).x, 2 * axis - pos(p, J::LeftWrist).x, 1e-4);
    EXPECT_NEAR(pos(m, J::RightWrist).y, pos(p, J::LeftWrist).y, 1e-4);
    EXPECT(m.has(J::RightEar) != p.has(J::RightEar) ||
           m.has(J::LeftEar) != p.has(J::LeftEar));  // the sample lacks one ear
    EXPECT(mirrorPose(m) == p);
}

TEST_CASE(edit_fit_pose_matches_neck_and_torso) {
    const pose::Pose person = samplePose();
    const pose::Pose preset =
        pose::readOpenPoseJson(std::string(MARIONETTE_SOURCE_DIR) + "/resources/presets/t_pose.json").at(0);
    const pose::Pose fitted = fitPoseTo(preset, person);
    EXPECT_NEAR(distance(pos(fitted, J::Neck), pos(person, J::Neck)), 0, 1e-3);
    const auto torso = [](const pose::Pose& p) {
        const Point2 hips{(pos(p, J::RightHip).x + pos(p, J::LeftHip).x) / 2,
                          (pos(p, J::RightHip).y + pos(p, J::LeftHip).y) / 2};
        return distance(pos(p, J::Neck), hips);
    };
    EXPECT_NEAR(torso(fitted), torso(person), 1e-2);
    EXPECT_NEAR(pos(fitted, J::RightWrist).y, pos(fitted, J::Neck).y + (64 - 62) * torso(person) / torso(preset), 1e-2);
    pose::Pose lonely;
    lonely.set(J::Nose, 1, 1);
    EXPECT_THROWS(Error, fitPoseTo(lonely, person), "two joints");
}

TEST_CASE(edit_restore_position_moves_with_the_parent) {
    const pose::Pose reference = samplePose();
    pose::Pose current = reference;
    current.set(J::RightElbow, pos(reference, J::RightElbow).x + 10, pos(reference, J::RightElbow).y - 4);
    current.remove(J::RightWrist);
    const Point2 back = restorePosition(J::RightWrist, current, reference);
    EXPECT_NEAR(back.x, pos(reference, J::RightWrist).x + 10, 1e-4);
    EXPECT_NEAR(back.y, pos(reference, J::RightWrist).y - 4, 1e-4);
    // Missing from the reference too (the sample has no left ear): placed beside its parent, the left eye.
    const Point2 ear = restorePosition(J::LeftEar, current, reference);
    EXPECT(distance(ear, pos(current, J::LeftEye)) > 1 && distance(ear, pos(current, J::LeftEye)) < 40);
}

TEST_CASE(edit_document_round_trips_and_refuses_broken_files) {
    EditDocument d;
    d.photoPath = "messi5.jpg";
    d.photoSha256 = "abc123";
    d.reference = samplePose();
    d.target = moveJoint(d.reference, J::RightWrist, {120, 140});
    d.cropBox = Box{28, 0, 446, 649};
    d.weightsId = "untrained";
    const std::string path = test::tempPath("photo.jpg" + std::string(kEditDocumentSuffix));
    writeEditDocument(path, d);
    EXPECT(readEditDocument(path) == d);
    EXPECT(isDocumentPath(path));
    EXPECT(!isDocumentPath("photo.jpg"));
    EXPECT_EQ(documentPathFor("a/b.jpg"), std::string("a/b.jpg.marionette.json"));
    EXPECT_EQ(resolvePhotoPath(d, "/x/y/b.jpg.marionette.json"), std::string("/x/y/messi5.jpg"));

    EXPECT_THROWS(Error, parseEditDocument("{\"marionette_edit\": 1,", "e.json"), "e.json", "not valid JSON");
    EXPECT_THROWS(Error, parseEditDocument("{\"people\": []}", "e.json"), "not a Marionette edit");
    EXPECT_THROWS(Error, parseEditDocument("{\"marionette_edit\": 9, \"photo\": {\"path\": \"a.jpg\"}}", "e.json"),
                  "version 9", "newer");
    const std::string base = R"({"marionette_edit": 1, "photo": {"path": "a.jpg"}, "reference": {"nose": [1, 2]}, )";
    EXPECT_THROWS(Error, parseEditDocument(base + R"("target": {"elbow": [1, 2]}})", "e.json"),
                  "unknown joint \"elbow\"");
    EXPECT_THROWS(Error, parseEditDocument(base + R"("target": {"nose": [-1, 2]}})", "e.json"), "Nose", "negative");
    EXPECT_THROWS(Error, parseEditDocument(base + R"("target": {"nose": ["a", 2]}})", "e.json"), "nose must be");
    EXPECT_THROWS(Error, parseEditDocument(base + R"("target": {"nose": [1, 2]}, "crop_box": [0, 0, 0, 5]})", "e.json"),
                  "crop_box");
    EXPECT_THROWS(Error,
                  parseEditDocument(R"({"marionette_edit": 1, "photo": {"path": "a.jpg"}, "reference": {}})", "e.json"),
                  "no \"target\"");
    const EditDocument ok = parseEditDocument(base + R"("target": {"nose": [1, 2, 0.5]}})", "e.json");
    EXPECT_NEAR(ok.target.at(J::Nose).confidence, 0.5, 1e-6);
    EXPECT(!ok.cropBox.has_value());
}

TEST_CASE(edit_document_keeps_the_repose_method_and_depth_order) {
    EditDocument d;
    d.photoPath = "messi5.jpg";
    d.reference = samplePose();
    d.target = moveJoint(d.reference, J::RightWrist, {120, 140});
    d.method = "network";
    d.depth = "right_arm=behind,left_leg=front";
    const std::string path = test::tempPath("method.jpg" + std::string(kEditDocumentSuffix));
    writeEditDocument(path, d);
    const EditDocument back = readEditDocument(path);
    EXPECT(back == d);
    EXPECT_EQ(back.method, std::string("network"));
    EXPECT_EQ(back.depth, std::string("right_arm=behind,left_leg=front"));

    // Documents written before the methods existed have neither: both stay empty (not said, every limb automatic).
    const std::string base =
        R"({"marionette_edit": 1, "photo": {"path": "a.jpg"}, "reference": {"nose": [1, 2]}, "target": {"nose": [1, 2]})";
    const EditDocument old = parseEditDocument(base + "}", "old.json");
    EXPECT(old.method.empty() && old.depth.empty());
    EXPECT(toJson(old).find("\"method\"") == std::string::npos);
    EXPECT_EQ(parseEditDocument(base + R"(, "method": "hybrid"})", "e.json").method, std::string("hybrid"));

    EXPECT_THROWS(Error, parseEditDocument(base + R"(, "method": "magic"})", "e.json"), "e.json", "method", "magic",
                  "hybrid or network");
    EXPECT_THROWS(Error, parseEditDocument(base + R"(, "method": 3})", "e.json"), "e.json", "method must be a string");
    EXPECT_THROWS(Error, parseEditDocument(base + R"(, "depth": "torso=front"})", "e.json"), "e.json", "depth", "torso",
                  "not a limb");
    EXPECT_THROWS(Error, parseEditDocument(base + R"(, "depth": "right_arm=over"})", "e.json"), "e.json", "over",
                  "front, behind or auto");
    EXPECT_THROWS(Error, parseEditDocument(base + R"(, "depth": ["right_arm"]})", "e.json"), "e.json",
                  "depth must be a string");
}

TEST_CASE(edit_reference_pose_comes_from_the_pose_file_then_the_photo) {
    const std::string folder = test::tempPath("reference_pose");
    std::filesystem::create_directories(folder);
    const cv::Mat photo = image::loadImage(test::samplePath("messi5.jpg"));
    const std::string photoPath = folder + "/person.jpg";
    image::saveImage(photoPath, photo);

    // An OpenPose file beside the photo (OpenPose's own naming): its most complete person.
    pose::Pose partial;
    partial.set(J::Nose, 5, 5);
    partial.set(J::Neck, 5, 15);
    pose::writeOpenPoseJson(folder + "/person_keypoints.json", {partial, samplePose()});
    ReferencePose found = findReferencePose(photoPath, photo);
    EXPECT(found.source == ReferenceSource::PoseFile);
    EXPECT(found.pose == samplePose());
    EXPECT(found.note.find("person_keypoints.json") != std::string::npos);

    // A broken one is skipped, and the note says so; the photo's person box takes over (or the middle).
    files::writeAtomically(folder + "/person_keypoints.json", "{ broken");
    found = findReferencePose(photoPath, photo);
    EXPECT(found.source == ReferenceSource::PersonBox || found.source == ReferenceSource::Centred);
    EXPECT(found.note.find("could not be read") != std::string::npos);
    EXPECT_EQ(found.pose.presentCount(), pose::kJointCount);

    // A blank photo has nobody: the default skeleton in the middle, inside the photo.
    const cv::Mat blank(300, 400, CV_8UC3, cv::Scalar(90, 90, 90));
    EXPECT(!detectPersonBox(blank).has_value());
    found = findReferencePose(folder + "/blank.png", blank);
    EXPECT(found.source == ReferenceSource::Centred);
    EXPECT(found.note.find("No person was found") != std::string::npos);
    const Box b = *found.pose.bounds();
    EXPECT(b.x >= 0 && b.right() <= 399 && b.y >= 0 && b.bottom() <= 299);
    EXPECT_NEAR(bodyAxis(found.pose).origin.x, 200, 2);
}

TEST_CASE(edit_reference_pose_comes_from_the_body_detector_when_no_pose_file_exists) {
    const std::string folder = test::tempPath("reference_pose_detected");
    std::filesystem::create_directories(folder);
    const cv::Mat photo = image::loadImage(test::samplePath("messi5.jpg"));
    const std::string photoPath = folder + "/player.jpg";
    image::saveImage(photoPath, photo);
    const detect::MoveNet detector(detect::bundledModelPath(detect::MoveNetVariant::Thunder));

    ReferencePose found = findReferencePose(photoPath, photo, &detector);
    EXPECT(found.source == ReferenceSource::Detector);
    EXPECT(found.note.find("body detector") != std::string::npos);
    // The hand-checked skeleton of the sample: most detected joints land near it (torso ~ 90 px here).
    const pose::Pose truth = samplePose();
    int close = 0, both = 0;
    for (int j = 0; j < pose::kJointCount; ++j) {
        const auto id = static_cast<J>(j);
        if (!found.pose.has(id) || !truth.has(id)) continue;
        ++both;
        if (distance(pos(found.pose, id), pos(truth, id)) < 20) ++close;
    }
    EXPECT(both >= 14);
    EXPECT(close >= both - 1);

    // A pose file beside the photo outranks the detector: someone put it there on purpose.
    pose::writeOpenPoseJson(photoPath + ".pose.json", {truth});
    found = findReferencePose(photoPath, photo, &detector);
    EXPECT(found.source == ReferenceSource::PoseFile);
    EXPECT(found.pose == truth);
}

TEST_CASE(edit_people_detector_finds_a_standing_figure) {
    // A dark standing silhouette (head, torso, legs) on a light background, sized like HOG's 64 x 128 window.
    cv::Mat photo(400, 300, CV_8UC3, cv::Scalar(215, 215, 215));
    const cv::Scalar dark(40, 40, 40);
    cv::circle(photo, {150, 95}, 17, dark, cv::FILLED);
    cv::rectangle(photo, cv::Rect(125, 115, 50, 95), dark, cv::FILLED);
    cv::rectangle(photo, cv::Rect(112, 118, 12, 80), dark, cv::FILLED);
    cv::rectangle(photo, cv::Rect(176, 118, 12, 80), dark, cv::FILLED);
    cv::rectangle(photo, cv::Rect(128, 210, 18, 95), dark, cv::FILLED);
    cv::rectangle(photo, cv::Rect(154, 210, 18, 95), dark, cv::FILLED);
    cv::GaussianBlur(photo, photo, {5, 5}, 1.5);
    const auto box = detectPersonBox(photo);
    if (box) {  // HOG's linear detector is tuned on photos; when it fires here it must frame the figure
        EXPECT(box->x < 150 && box->right() > 150 && box->y < 200 && box->bottom() > 200);
    }
    const ReferencePose found = findReferencePose(test::tempPath("figure.png"), photo);
    EXPECT(found.source == (box ? ReferenceSource::PersonBox : ReferenceSource::Centred));
}

TEST_CASE(edit_crop_box_holds_both_skeletons) {
    const pose::Pose reference = samplePose();
    const pose::Pose target = moveJoint(reference, J::RightWrist, {30, 20});  // outside the reference's box
    const Box box = reposeCropBox(reference, target, {548, 342}, {176, 256});
    EXPECT(box.x <= 30 && box.y <= 20 && box.right() >= 410 && box.bottom() >= 315);
    EXPECT_NEAR(box.width / box.height, 176.0 / 256.0, 0.01);
    const Box same = reposeCropBox(reference, reference, {548, 342}, {176, 256});
    EXPECT(box.width > same.width);
    pose::Pose two;
    two.set(J::Nose, 1, 1);
    EXPECT_THROWS(Error, reposeCropBox(two, reference, {548, 342}, {176, 256}), "reference skeleton", "two joints");
}

TEST_CASE(edit_paste_back_alpha_matches_the_paste_back_blend) {
    const Box box{40, 30, 120, 160};  // inside a 300 x 250 photo: every edge is feathered
    cv::Mat photo(250, 300, CV_8UC3, cv::Scalar(0, 0, 0));
    const cv::Mat white(160, 120, CV_8UC3, cv::Scalar(255, 255, 255));
    const cv::Mat pasted = composite(photo, white, box);
    const cv::Mat alpha = pasteBackAlpha(box, {300, 250}, {120, 160});  // canvas = the box's own size
    cv::Mat grey;
    cv::cvtColor(pasted(cv::Rect(40, 30, 120, 160)), grey, cv::COLOR_BGR2GRAY);
    EXPECT(cv::norm(grey, alpha, cv::NORM_INF) <= 1.0);
    EXPECT_EQ(alpha.at<uchar>(80, 60), 255);
    EXPECT(alpha.at<uchar>(0, 60) < 64);
    EXPECT_EQ(cv::countNonZero(pasted(cv::Rect(0, 0, 40, 250)).reshape(1)), 0);  // nothing outside the box
    // A box reaching past the photo has no seam on that side.
    const cv::Mat edge = pasteBackAlpha(Box{-10, 30, 120, 160}, {300, 250}, {48, 64});
    EXPECT_EQ(edge.at<uchar>(32, 0), 255);
    EXPECT(edge.at<uchar>(32, 47) < 128);
}

TEST_CASE(edit_person_region_covers_both_skeletons_and_keeps_the_background) {
    const pose::Pose reference = samplePose();
    const pose::Pose target = moveJoint(moveJoint(reference, J::RightWrist, {60, 40}), J::RightElbow, {110, 90});
    const ImageSize photoSize{548, 342}, canvas{176, 256};
    const Box box = reposeCropBox(reference, target, photoSize, canvas);
    const BoxToCanvas map{box, canvas.width, canvas.height};
    const cv::Mat region = personRegion(reference, target, box, canvas);
    EXPECT_EQ(region.type(), CV_32FC1);
    EXPECT_EQ(region.cols, canvas.width);
    EXPECT_EQ(region.rows, canvas.height);
    double lowest = 0, highest = 0;
    cv::minMaxLoc(region, &lowest, &highest);
    EXPECT(lowest >= 0.0 && highest <= 1.0 + 1e-6);
    const auto at = [&](Point2 photoPoint) {
        const Point2 q = map.toCanvas(photoPoint);
        return region.at<float>(static_cast<int>(std::lround(q.y)), static_cast<int>(std::lround(q.x)));
    };
    // Every joint of both skeletons, and the middle of the moved forearm, is the synthesis's.
    for (const pose::Pose* p : {&reference, &target})
        for (int j = 0; j < pose::kJointCount; ++j)
            if (p->has(pose::jointAt(j))) EXPECT(at(p->at(pose::jointAt(j)).position) > 0.97f);
    const Point2 wrist = target.at(J::RightWrist).position, elbow = target.at(J::RightElbow).position;
    EXPECT(at({(wrist.x + elbow.x) / 2, (wrist.y + elbow.y) / 2}) > 0.97f);
    // Somewhere in the crop stays the photo's: a corner away from both bodies.
    EXPECT(cv::countNonZero(region < 0.01f) > static_cast<int>(region.total() / 10));

    // Pasting with the region: outside it the photo is unchanged bit for bit, on the body it is the synthesis.
    cv::Mat photo(photoSize.height, photoSize.width, CV_8UC3, cv::Scalar(10, 20, 30));
    const cv::Mat white(canvas.height, canvas.width, CV_8UC3, cv::Scalar(255, 255, 255));
    const cv::Mat pasted = composite(photo, white, box, region);
    const cv::Point neck(static_cast<int>(reference.at(J::Neck).position.x),
                         static_cast<int>(reference.at(J::Neck).position.y));
    EXPECT(pasted.at<cv::Vec3b>(neck)[0] > 245);
    cv::Mat regionOnPhoto;
    cv::resize(region, regionOnPhoto, cv::Size(static_cast<int>(box.width), static_cast<int>(box.height)));
    int untouched = 0, checked = 0;
    for (int y = 0; y < photoSize.height; ++y)
        for (int x = 0; x < photoSize.width; ++x) {
            const int bx = x - static_cast<int>(box.x), by = y - static_cast<int>(box.y);
            const bool insideBox = bx >= 0 && by >= 0 && bx < regionOnPhoto.cols && by < regionOnPhoto.rows;
            if (insideBox && regionOnPhoto.at<float>(by, bx) > 1e-3f) continue;
            ++checked;
            untouched += pasted.at<cv::Vec3b>(y, x) == cv::Vec3b(10, 20, 30);
        }
    EXPECT(checked > 0);
    EXPECT_EQ(untouched, checked);
    // The editor's alpha is the same blend at the canvas size.
    const cv::Mat alpha = pasteBackAlpha(box, photoSize, canvas, region);
    const Point2 neckOnCanvas = map.toCanvas(reference.at(J::Neck).position);
    EXPECT(alpha.at<uchar>(static_cast<int>(neckOnCanvas.y), static_cast<int>(neckOnCanvas.x)) > 240);
    EXPECT(cv::countNonZero(alpha) < static_cast<int>(alpha.total()));
    EXPECT_THROWS(Error, personRegion(reference, target, box, {0, 0}), "non-empty");

    // A person mask fits the reference's part of the region: wider where it sees the person just past the
    // capsules; a mask that finds nobody near the skeleton (someone else, or nothing) changes nothing.
    cv::Mat someoneElse = cv::Mat::zeros(photoSize.height, photoSize.width, CV_32FC1);
    someoneElse(cv::Rect(photoSize.width - 40, 0, 40, 40)).setTo(1.f);
    EXPECT(cv::norm(personRegion(reference, target, box, canvas, someoneElse), region, cv::NORM_INF) < 1e-6);
    const cv::Mat nobody = cv::Mat::zeros(photoSize.height, photoSize.width, CV_32FC1);
    EXPECT(cv::norm(personRegion(reference, target, box, canvas, nobody), region, cv::NORM_INF) < 1e-6);
    const cv::Mat everyone(photoSize.height, photoSize.width, CV_32FC1, cv::Scalar(1.f));
    const cv::Mat fitted = personRegion(reference, target, box, canvas, everyone);
    EXPECT(cv::countNonZero(fitted > 0.5f) > cv::countNonZero(region > 0.5f));
    EXPECT(cv::countNonZero((fitted > 0.5f) & (region > 0.5f)) ==
           cv::countNonZero(region > 0.5f));  // it only widens here
    for (const pose::Pose* p : {&reference, &target})
        for (int j = 0; j < pose::kJointCount; ++j) {
            if (!p->has(pose::jointAt(j))) continue;
            const Point2 q = map.toCanvas(p->at(pose::jointAt(j)).position);
            EXPECT(fitted.at<float>(static_cast<int>(std::lround(q.y)), static_cast<int>(std::lround(q.x))) > 0.97f);
        }
    EXPECT_THROWS(Error,
                  personRegion(reference, target, box, canvas, cv::Mat(photoSize.height, photoSize.width, CV_8UC1)),
                  "float");
}

TEST_CASE(edit_moved_parts_region_replaces_only_what_the_edit_moved) {
    const pose::Pose reference = samplePose();
    const ImageSize photoSize{548, 342}, canvas{176, 256};
    // Nothing moved: nothing of the photo is replaced.
    const Box same = reposeCropBox(reference, reference, photoSize, canvas);
    const cv::Mat unmoved = movedPartsRegion(reference, reference, same, canvas);
    EXPECT(unmoved.type() == CV_32FC1 && unmoved.cols == canvas.width && unmoved.rows == canvas.height);
    EXPECT_EQ(cv::countNonZero(unmoved), 0);

    // The right forearm raised: the arm where it was and where it goes, not the legs.
    const pose::Pose target = moveJoint(moveJoint(reference, J::RightWrist, {60, 40}), J::RightElbow, {110, 90});
    const Box box = reposeCropBox(reference, target, photoSize, canvas);
    const BoxToCanvas map{box, canvas.width, canvas.height};
    const cv::Mat moved = movedPartsRegion(reference, target, box, canvas);
    const cv::Mat person = personRegion(reference, target, box, canvas);
    const auto at = [&](const cv::Mat& region, Point2 photoPoint) {
        const Point2 q = map.toCanvas(photoPoint);
        return region.at<float>(static_cast<int>(std::lround(q.y)), static_cast<int>(std::lround(q.x)));
    };
    for (const pose::Pose* p : {&reference, &target})
        for (const J j : {J::RightWrist, J::RightElbow}) EXPECT(at(moved, p->at(j).position) > 0.97f);
    for (const J j : {J::LeftAnkle, J::RightAnkle, J::LeftKnee}) {
        EXPECT(at(person, reference.at(j).position) > 0.97f);
        EXPECT(at(moved, reference.at(j).position) < 0.01f);
    }
    EXPECT(cv::countNonZero(moved > 0.5f) < cv::countNonZero(person > 0.5f) / 2);
    cv::Mat outside;
    cv::subtract(moved, person, outside);
    double most = 0;
    cv::minMaxLoc(outside, nullptr, &most);
    EXPECT(most < 1e-6);  // never more than the whole person

    // A joint only one of the skeletons has counts as moved.
    pose::Pose withoutWrist = reference;
    withoutWrist.remove(J::RightWrist);
    const Box fewer = reposeCropBox(reference, withoutWrist, photoSize, canvas);
    const Point2 elbow = BoxToCanvas{fewer, canvas.width, canvas.height}.toCanvas(reference.at(J::RightElbow).position);
    EXPECT(movedPartsRegion(reference, withoutWrist, fewer, canvas)
               .at<float>(static_cast<int>(std::lround(elbow.y)), static_cast<int>(std::lround(elbow.x))) > 0.97f);

    // The extents by name, and what each pastes.
    for (const auto e : {PasteExtent::MovedParts, PasteExtent::Person, PasteExtent::WholeCrop})
        EXPECT(pasteExtentFromString(toString(e)) == e);
    EXPECT(!pasteExtentFromString("everything"));
    EXPECT(pasteRegion(PasteExtent::WholeCrop, reference, target, box, canvas).empty());
    EXPECT(cv::norm(pasteRegion(PasteExtent::MovedParts, reference, target, box, canvas), moved, cv::NORM_INF) == 0.0);
    EXPECT(cv::norm(pasteRegion(PasteExtent::Person, reference, target, box, canvas), person, cv::NORM_INF) == 0.0);
}

TEST_CASE(edit_shipped_weights_are_found_and_say_how_they_were_trained) {
    // What the editor and the CLI open when given no weights: a body and a portrait model that load, each of
    // its own semantics, with a training record the editor's banner reads.
    for (const auto kind : {model::SemanticsKind::Body, model::SemanticsKind::Face}) {
        const std::string path = edit::bundledWeights(kind);
        EXPECT(!path.empty());
        if (path.empty()) continue;
        const model::LoadedGenerator loaded = model::loadGeneratorWeights(path);
        EXPECT(loaded.generator->config().semantics == kind);
        const model::TrainingSummary training = model::summarizeTraining(loaded.trainingJson);
        EXPECT(training.imagesSeen > 0 && training.steps > 0);
        EXPECT(training.syntheticOnly());
    }
    const model::TrainingSummary broken = model::summarizeTraining("{not json");
    EXPECT(broken.imagesSeen == 0 && broken.data.empty() && !broken.syntheticOnly());
    const model::TrainingSummary photos =
        model::summarizeTraining(R"json({"data":"deepfashion (train split)","images_seen":12})json");
    EXPECT(photos.imagesSeen == 12 && !photos.syntheticOnly());

    // Training that went on from released weights with the same data counts theirs in, down the chain; an
    // adaptation to a photo or a portrait model started from body weights does not.
    const model::TrainingSummary continued =
        model::summarizeTraining(R"json({"data":"synth-body (procedural, training seeds)",
        "images_seen":400,"steps":100,"init":{"weights":"b.safetensors","training":{"data":"synth-body (procedural, training seeds)",
        "images_seen":1000,"steps":250,"init":{"weights":"a.safetensors","training":{"data":"synth-body (procedural, training seeds)",
        "images_seen":80,"steps":20}}}}})json");
    EXPECT_EQ(continued.imagesSeen, std::uint64_t(1480));
    EXPECT_EQ(continued.steps, std::uint64_t(370));
    EXPECT_EQ(continued.initImagesSeen, std::uint64_t(1080));
    EXPECT(continued.syntheticOnly() && !continued.adaptedToPhotos());
    const model::TrainingSummary adapted =
        model::summarizeTraining(R"json({"data":"photo me.jpg (limb-warped)","images_seen":600,
        "steps":150,"init":{"weights":"b.safetensors","training":{"data":"synth-body (procedural, training seeds)","images_seen":1000}}})json");
    EXPECT_EQ(adapted.imagesSeen, std::uint64_t(600));
    EXPECT_EQ(adapted.initImagesSeen, std::uint64_t(1000));
    const model::TrainingSummary faces =
        model::summarizeTraining(R"json({"data":"synth-portrait (procedural, training seeds)",
        "images_seen":900,"init":{"training":{"data":"synth-body (procedural, training seeds)","images_seen":2000}}})json");
    EXPECT_EQ(faces.imagesSeen, std::uint64_t(900));
    // A mix that includes the parent's data continues it; a mix is synthetic only when every set is.
    const model::TrainingSummary mixed = model::summarizeTraining(
        R"json({"data":"synth-body (procedural, training seeds) + synth-body-edits (procedural, training seeds)",
        "images_seen":300,"steps":75,"init":{"training":{"data":"synth-body (procedural, training seeds)","images_seen":1000,"steps":250}}})json");
    EXPECT_EQ(mixed.imagesSeen, std::uint64_t(1300));
    EXPECT(mixed.syntheticOnly());
    const model::TrainingSummary partly =
        model::summarizeTraining(R"json({"data":"synth-body (procedural, training seeds) + folder people",
        "images_seen":300})json");
    EXPECT(!partly.syntheticOnly());
    const model::TrainingSummary narrower =
        model::summarizeTraining(R"json({"data":"synth-body (procedural, training seeds)","images_seen":300,
        "init":{"training":{"data":"synth-body (procedural, training seeds) + folder people","images_seen":1000}}})json");
    EXPECT_EQ(narrower.imagesSeen, std::uint64_t(300));
}

TEST_CASE(edit_session_synthesises_previews_and_reuses_the_reference) {
    ReposeSession session(tinyBody(), 7, {Device::Cpu, 2});
    EXPECT(session.hasPreview());
    EXPECT_THROWS(Error, session.render(full(samplePose())), "no photo");
    const cv::Mat photo = image::loadImage(test::samplePath("messi5.jpg"));
    session.setPhoto(photo, samplePose());
    const RenderedFrame first = session.render(full(samplePose()));
    EXPECT(first.prepared && !first.preview);
    EXPECT_EQ(first.output.cols, 48);
    EXPECT_EQ(first.output.rows, 64);
    EXPECT_EQ(first.pasteAlpha.type(), CV_8UC1);
    EXPECT(first.maps.flow.empty());

    // Same crop: the reference is not encoded again; the maps come on request.
    const pose::Pose target = moveJoint(samplePose(), J::RightWrist, {150, 160});
    const RenderedFrame second = session.render(networkRequest(target, false, MapSelection::all(Point2{150, 160})));
    EXPECT(!second.prepared);
    EXPECT(second.cropBox.x == first.cropBox.x && second.cropBox.width == first.cropBox.width);
    for (const cv::Mat* m : {&second.maps.flow, &second.maps.combination, &second.maps.attention,
                             &second.maps.attentionWarped, &second.maps.flowWarped})
        EXPECT(m->cols == 48 && m->rows == 64);
    EXPECT(cv::norm(first.output, second.output, cv::NORM_L1) > 0);

    // The preview: the reference crop carried along the bones, without maps; the same request gives the same
    // image. The moved wrist takes the photo's wrist with it, and far from the arm nothing moves.
    const RenderedFrame preview = session.render(networkRequest(target, true, MapSelection::all(std::nullopt)));
    EXPECT(preview.preview && preview.maps.flow.empty());
    EXPECT(cv::norm(preview.output, second.output, cv::NORM_L1) > 0);
    EXPECT_EQ(cv::norm(session.render(full(target)).output, second.output, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(session.render(networkRequest(target, true, {})).output, preview.output, cv::NORM_INF), 0.0);
    const BoxToCanvas onCanvas{preview.cropBox, 48, 64};
    const auto pixelAt = [&](const cv::Mat& image, Point2 photoPoint) {
        const Point2 q = onCanvas.toCanvas(photoPoint);
        return cv::Vec3d(image.at<cv::Vec3b>(static_cast<int>(std::lround(q.y)), static_cast<int>(std::lround(q.x))));
    };
    EXPECT(cv::norm(pixelAt(preview.output, target.at(J::RightWrist).position) -
                    pixelAt(preview.referenceCrop, samplePose().at(J::RightWrist).position)) < 40.0);
    EXPECT(cv::norm(pixelAt(preview.output, samplePose().at(J::LeftAnkle).position) -
                    pixelAt(preview.referenceCrop, samplePose().at(J::LeftAnkle).position)) < 1.0);
    // Unmoved, the preview is the photo's crop itself.
    EXPECT(cv::norm(session.render(networkRequest(samplePose(), true, {})).output, preview.referenceCrop,
                    cv::NORM_INF) <= 1.0);

    // A target beyond the reference's box grows the crop and encodes the reference again.
    const RenderedFrame wider = session.render(full(moveJoint(samplePose(), J::RightWrist, {20, 20})));
    EXPECT(wider.prepared && wider.cropBox.width > first.cropBox.width);

    EXPECT_THROWS(Error, ReposeSession("/nonexistent/weights.safetensors", {Device::Cpu, 1}), "weights");
}

TEST_CASE(edit_session_hybrid_moves_the_photos_pixels_sharply_at_full_resolution) {
    ReposeSession session(tinyBody(), 7, {Device::Cpu, 2});
    const cv::Mat photo = image::loadImage(test::samplePath("messi5.jpg"));
    session.setPhoto(photo, samplePose());
    EXPECT(session.canDeform());
    // No joint moved: the photo itself, bit for bit.
    RenderRequest request;
    request.target = samplePose();
    const RenderedFrame still = session.render(request);
    EXPECT(still.method == ReposeMethod::Hybrid);
    EXPECT(still.changed.empty());
    EXPECT_EQ(cv::norm(still.photoResult, photo, cv::NORM_INF), 0.0);
    // The sample's edit (right arm raised): the arm keeps the photo's detail where it went, outside the changed
    // box nothing differs, and the maps include the mesh and the holes.
    const pose::Pose target = pose::readOpenPoseJson(test::samplePath("messi5.jpg.target.json")).at(0);
    request.target = target;
    request.maps = MapSelection::all(std::nullopt);
    const RenderedFrame edited = session.render(request);
    EXPECT(edited.method == ReposeMethod::Hybrid);
    EXPECT_EQ(edited.photoResult.size(), photo.size());
    EXPECT(!edited.changed.empty());
    const detect::PersonSegmenter segmenter;
    const double detail = *deform::detailKept(photo, edited.photoResult, samplePose(), target, segmenter.segment(photo),
                                              segmenter.segment(edited.photoResult));
    EXPECT(detail >= 0.8);
    if (detail < 0.8) std::cerr << "detail kept " << detail << '\n';
    EXPECT_EQ(largestChangeOutsideChangedBox(photo, edited), 0.0);
    EXPECT(cv::countNonZero(edited.holeMask) > 0);
    EXPECT(!edited.maps.mesh.empty() && !edited.maps.holes.empty());
    // A drag update (preview) is the warp alone; dragged back, the photo again.
    request.preview = true;
    EXPECT(session.render(request).maps.flow.empty());
    request.target = samplePose();
    EXPECT_EQ(cv::norm(session.render(request).photoResult, photo, cv::NORM_INF), 0.0);
}

TEST_CASE(edit_session_gives_a_flow_prior_model_the_warp_the_pixels_follow) {
    // Untrained, a model with a flow prior draws the reference crop warped by its prior (model.md, "Flow prior").
    model::ModelConfig config = tinyBody();
    config.flowPrior = true;
    ReposeSession session(config, 7, {Device::Cpu, 2});
    const cv::Mat photo = image::loadImage(test::samplePath("messi5.jpg"));
    session.setPhoto(photo, samplePose());
    const pose::Pose target = moveJoint(samplePose(), J::RightWrist, {150, 160});
    // Network mode: the prior is the skeletons' limb warp, so the output is the drag preview's limb warp.
    const RenderedFrame drawn = session.render(networkRequest(target, false, MapSelection::all(std::nullopt)));
    const RenderedFrame preview = session.render(networkRequest(target, true, {}));
    EXPECT(!drawn.preview && preview.preview && !drawn.maps.flow.empty());
    EXPECT(cv::norm(drawn.output, preview.output, cv::NORM_INF) <= 1.0);
    // Hybrid: the mesh's backward flow. Unmoved it is the identity; moved, the target's wrist reads the photo's.
    const detect::PersonSegmenter segmenter;
    const deform::Puppet puppet(photo, segmenter.segment(photo), samplePose());
    const BoxToCanvas toCanvas{drawn.cropBox, 48, 64};
    EXPECT(meshFlowOnCanvas(puppet, samplePose(), {}, toCanvas).abs().max().item<float>() < 1e-3f);
    const at::Tensor flow = meshFlowOnCanvas(puppet, target, {}, toCanvas);
    EXPECT(flow.sizes() == torch::IntArrayRef({2, 64, 48}));
    const Point2 q = toCanvas.toCanvas(target.at(J::RightWrist).position),
                 wrist = toCanvas.toCanvas(samplePose().at(J::RightWrist).position);
    const int x = static_cast<int>(std::lround(q.x)), y = static_cast<int>(std::lround(q.y));
    EXPECT(std::hypot(x + flow[0][y][x].item<float>() - wrist.x, y + flow[1][y][x].item<float>() - wrist.y) < 2.0);
    const at::Tensor limbs = limbWarpFlowOnCanvas(samplePose(), target, toCanvas);
    EXPECT(std::hypot(x + limbs[0][y][x].item<float>() - wrist.x, y + limbs[1][y][x].item<float>() - wrist.y) < 2.0);
    RenderRequest request;
    request.target = target;
    request.maps = MapSelection::all(std::nullopt);
    const RenderedFrame hybrid = session.render(request);
    EXPECT(hybrid.method == ReposeMethod::Hybrid && !hybrid.maps.flow.empty());
}

namespace {

// Weights of a flow prior model (otherwise as initialised) whose visibility head gives `visibility` everywhere.
void saveWithVisibility(const model::ModelConfig& config, float visibility, const std::string& path) {
    torch::manual_seed(3);
    model::Generator generator(config);
    {
        torch::NoGradGuard noGrad;
        auto parameters = generator->named_parameters();
        parameters["dec.visibility.weight"].zero_();
        parameters["dec.visibility.bias"].fill_(1.f - visibility);  // V = clamp(1 - conv, 0, 1)
    }
    model::saveGeneratorWeights(path, *generator, "{}", model::StoredPrecision::Float32);
}

}  // namespace

TEST_CASE(edit_session_hybrid_draws_where_a_prior_models_visibility_says_the_moved_photo_cannot) {
    const cv::Mat photo = image::loadImage(test::samplePath("messi5.jpg"));
    RenderRequest request;
    request.target = pose::readOpenPoseJson(test::samplePath("messi5.jpg.target.json")).at(0);  // the right arm up
    const auto render = [&](ReposeSession& session) {
        session.setPhoto(photo, samplePose());
        return session.render(request);
    };
    model::ModelConfig config = tinyBody();
    config.flowPrior = true;
    // Untrained, V = 1: the network fills the person's holes only.
    ReposeSession untrainedSession(config, 7, {Device::Cpu, 2});
    const RenderedFrame untrained = render(untrainedSession);
    EXPECT(untrained.method == ReposeMethod::Hybrid);
    EXPECT_EQ(cv::norm(untrained.visibility, cv::Mat::ones(untrained.visibility.size(), CV_32F), cv::NORM_INF), 0.0);
    // Weights whose V is 0.2 everywhere: the network draws beyond the person's holes, near them and among the
    // pixels the mesh moves only; the head, which stays, keeps the photo's pixels, and nothing outside the changed
    // box differs.
    const std::string weights = test::tempPath("body_low_visibility.safetensors");
    saveWithVisibility(config, 0.2f, weights);
    ReposeSession trainedSession(weights, {Device::Cpu, 2});
    const RenderedFrame trained = render(trainedSession);
    EXPECT(trained.method == ReposeMethod::Hybrid);
    EXPECT(cv::countNonZero(trained.visibility > 0.21f) == 0);
    EXPECT(cv::countNonZero(trained.networkMask) > cv::countNonZero(untrained.networkMask));
    EXPECT_EQ(largestChangeOutsideChangedBox(photo, trained), 0.0);
    for (J joint : {J::Nose, J::RightEye, J::LeftEye})
        EXPECT(!networkDrewAt(trained, request.target.at(joint).position));
}

// --- portraits ------------------------------------------------------------------------------------------

TEST_CASE(edit_portrait_fit_of_the_sample_and_a_yaw_edit_turns_the_face) {
    const PortraitFace& face = astronautFace();
    const cv::Mat photo = image::loadImage(test::samplePath("astronaut.jpg"));
    EXPECT_EQ(face.faceIndex, 0);
    EXPECT(face.faceCount >= 1);
    // The fit explains dlib's landmarks to a few pixels (the face is about 100 pixels wide).
    EXPECT(face.rmsResidual < 4.0);
    EXPECT(std::abs(face.fitted.pose.yaw) < 30 && std::abs(face.fitted.pose.roll) < 30);
    EXPECT(looksLikePortrait(face.faceBox, {photo.cols, photo.rows}));
    EXPECT(!looksLikePortrait(Box{0, 0, 20, 20}, {photo.cols, photo.rows}));

    // Unedited parameters give back the observed landmarks (projection + residuals).
    const face::FaceLandmarks same = portraitLandmarks(face, face.fitted);
    for (std::size_t i = 0; i < same.points.size(); ++i)
        EXPECT(distance(same.points[i], face.observed.points[i]) < 1e-3f);

    // Yaw > 0 turns the face towards the image's right: the nose tip moves right of the eyes' middle.
    face::FaceParameters turned = face.fitted;
    turned.pose.yaw = face.fitted.pose.yaw + 20;
    const face::FaceLandmarks after = portraitLandmarks(face, turned);
    const auto noseOffset = [](const face::FaceLandmarks& f) { return f.points[30].x - centroid(f, 36, 47).x; };
    EXPECT(noseOffset(after) > noseOffset(same) + 3.0f);
    // ... more of the image-left cheek shows, less of the image-right one.
    EXPECT(after.points[30].x - after.points[0].x > same.points[30].x - same.points[0].x);
    EXPECT(after.points[16].x - after.points[30].x < same.points[16].x - same.points[30].x);

    // A smile raises and widens the mouth corners; stems set both sides.
    face::FaceParameters straight = face.fitted, smiling = face.fitted;
    setExpressionByName(straight, face::MorphableModel::standard(), "smile", 0.0);
    setExpressionByName(smiling, face::MorphableModel::standard(), "smile", 0.8);
    const face::FaceLandmarks before = portraitLandmarks(face, straight), smile = portraitLandmarks(face, smiling);
    EXPECT(distance(smile.points[48], smile.points[54]) > distance(before.points[48], before.points[54]) + 3.0f);
    EXPECT(smile.points[48].y < before.points[48].y && smile.points[54].y < before.points[54].y);

    // Landmark drags add to the parameters' landmarks.
    std::array<Point2, face::kLandmarkCount> offsets{};
    offsets[8] = {0, 6};
    EXPECT_NEAR(portraitLandmarks(face, face.fitted, offsets).points[8].y, same.points[8].y + 6, 1e-3);
}

TEST_CASE(edit_portrait_expression_names_pairs_and_presets) {
    const face::MorphableModel& model = face::MorphableModel::standard();
    std::vector<std::string> stems;
    for (const auto& p : expressionPairs(model)) stems.push_back(p.stem);
    for (const char* stem : {"smile", "brow_raise", "eye_close"})
        EXPECT(std::find(stems.begin(), stems.end(), stem) != stems.end());
    const int left = model.expressionIndex("eye_close_left");
    EXPECT_EQ(pairedExpression(model, left), model.expressionIndex("eye_close_right"));
    EXPECT_EQ(pairedExpression(model, model.expressionIndex("jaw_open")), -1);

    face::FaceParameters p = face::FaceParameters::neutral(model);
    applyExpressionList(p, model, "smile=0.6,jaw_open=0.2", "--expr");
    EXPECT_NEAR(p.expressionValue(model, "smile_left"), 0.6, 1e-12);
    EXPECT_NEAR(p.expressionValue(model, "smile_right"), 0.6, 1e-12);
    EXPECT_NEAR(p.expressionValue(model, "jaw_open"), 0.2, 1e-12);
    EXPECT_THROWS(Error, applyExpressionList(p, model, "grin=0.5", "--expr"), "--expr", "unknown expression \"grin\"",
                  "smile_left");
    EXPECT_THROWS(Error, applyExpressionList(p, model, "smile=1.5", "--expr"), "1.5", "range");
    EXPECT_THROWS(Error, applyExpressionList(p, model, "smile=lots", "--expr"), "must be a number");
    EXPECT_THROWS(Error, applyExpressionList(p, model, "smile", "--expr"), "NAME=VALUE");

    // Presets replace the expression and keep the pose; every bundled preset loads.
    p.pose.yaw = 12;
    const face::FaceParameters wink =
        applyFacePreset(R"({"expression": {"eye_close_left": 1}})", "wink.json", p, model);
    EXPECT_NEAR(wink.expressionValue(model, "eye_close_left"), 1.0, 1e-12);
    EXPECT_EQ(wink.expressionValue(model, "smile_left"), 0.0);
    EXPECT_EQ(wink.pose.yaw, 12.0);
    EXPECT_THROWS(Error, applyFacePreset(R"({"expression": {"smile_left": 2}})", "bad.json", p, model), "bad.json",
                  "smile_left");
    int presets = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(MARIONETTE_SOURCE_DIR) + "/resources/presets/face")) {
        if (entry.path().extension() != ".json") continue;
        applyFacePreset(files::readAll(entry.path().string(), 1u << 20), entry.path().string(), p, model);
        ++presets;
    }
    EXPECT(presets >= 4);
}

TEST_CASE(edit_moved_face_region_replaces_only_the_moved_parts) {
    const face::FaceLandmarks reference = face::readPts(test::samplePath("astronaut.jpg.landmarks.pts"));
    const ImageSize canvas{256, 256};
    const Box box = portraitCropBox(reference, {512, 512}, canvas);
    const BoxToCanvas map{box, canvas.width, canvas.height};
    const auto at = [&](const cv::Mat& region, Point2 photoPoint) {
        const Point2 q = map.toCanvas(photoPoint);
        return region.at<float>(static_cast<int>(std::lround(q.y)), static_cast<int>(std::lround(q.x)));
    };
    EXPECT_EQ(cv::countNonZero(movedFaceRegion(reference, reference, box, canvas)),
              0);  // nothing moved, nothing replaced

    // The mouth opened (lower lips down): the mouth is replaced, the eyes keep the photo's pixels.
    face::FaceLandmarks mouth = reference;
    for (const int i : {55, 56, 57, 58, 59, 64, 65, 66, 67}) mouth.points[static_cast<std::size_t>(i)].y += 6.f;
    const cv::Mat moved = movedFaceRegion(reference, mouth, box, canvas);
    const cv::Mat whole = faceRegion(reference, mouth, box, canvas);
    EXPECT(at(moved, reference.points[57]) > 0.97f && at(moved, mouth.points[57]) > 0.97f);
    for (const int eye : {36, 39, 42, 45}) {
        EXPECT(at(moved, reference.points[static_cast<std::size_t>(eye)]) < 0.01f);
        EXPECT(at(whole, reference.points[static_cast<std::size_t>(eye)]) > 0.97f);
    }
    EXPECT(cv::countNonZero(moved > 0.5f) < cv::countNonZero(whole > 0.5f) / 3);

    // The jaw line moved (the head turned): the whole face.
    face::FaceLandmarks jaw = mouth;
    for (int i = 0; i <= 16; ++i) jaw.points[static_cast<std::size_t>(i)].x += 4.f;
    EXPECT(cv::norm(movedFaceRegion(reference, jaw, box, canvas), faceRegion(reference, jaw, box, canvas),
                    cv::NORM_INF) == 0.0);

    // The extents: moved parts, the whole face, the whole crop.
    EXPECT(cv::norm(portraitPasteRegion(PasteExtent::MovedParts, reference, mouth, box, canvas), moved, cv::NORM_INF) ==
           0.0);
    EXPECT(cv::norm(portraitPasteRegion(PasteExtent::Person, reference, mouth, box, canvas), whole, cv::NORM_INF) ==
           0.0);
    EXPECT(portraitPasteRegion(PasteExtent::WholeCrop, reference, mouth, box, canvas).empty());
    EXPECT_THROWS(Error, movedFaceRegion(reference, mouth, box, {0, 0}), "non-empty");
}

TEST_CASE(edit_portrait_session_changes_the_face_and_pastes_back_only_there) {
    const PortraitFace& face = astronautFace();
    const cv::Mat photo = image::loadImage(test::samplePath("astronaut.jpg"));
    PortraitSession session(tinyFace(), 3, {Device::Cpu, 2});
    // The network's synthesis pasted back (the hybrid method has its own case below).
    const auto network = [](const face::FaceLandmarks& target, bool preview, const MapSelection& maps) {
        PortraitRenderRequest request{target, preview, maps};
        request.method = ReposeMethod::Network;
        return request;
    };
    EXPECT_THROWS(Error, session.render(network(face.observed, false, {})), "no photo");
    session.setPhoto(photo, face.observed);
    const RenderedFrame neutral = session.render(network(face.observed, false, {}));
    EXPECT(neutral.prepared);
    EXPECT_EQ(neutral.output.cols, 64);
    EXPECT_EQ(neutral.output.rows, 64);
    // A square crop around the face with a margin, inside the photo.
    EXPECT_NEAR(neutral.cropBox.width, neutral.cropBox.height, 1.0);
    const Box bounds = face.observed.bounds();
    EXPECT(neutral.cropBox.x < bounds.x && neutral.cropBox.right() > bounds.right());
    EXPECT(neutral.cropBox.y < bounds.y && neutral.cropBox.bottom() > bounds.bottom());

    face::FaceParameters turned = face.fitted;
    turned.pose.yaw += 25;
    setExpressionByName(turned, face::MorphableModel::standard(), "jaw_open", 0.8);
    const RenderedFrame edited =
        session.render(network(portraitLandmarks(face, turned), false, MapSelection::all(face.observed.points[30])));
    EXPECT(!edited.prepared);  // the crop depends on the reference only
    EXPECT(cv::norm(neutral.output, edited.output, cv::NORM_L1) > 0);
    EXPECT(!edited.maps.flow.empty() && !edited.maps.attention.empty());

    // The drag preview moves the photo's crop with the landmarks: unedited it is the crop itself, turned it
    // differs; two landmarks dragged onto one point give no spline, and the network's preview stands in.
    const RenderedFrame still = session.render(network(face.observed, true, {}));
    EXPECT(still.preview && cv::norm(still.output, still.referenceCrop, cv::NORM_INF) <= 2.0);
    const RenderedFrame turnedPreview = session.render(network(portraitLandmarks(face, turned), true, {}));
    EXPECT(turnedPreview.preview && cv::norm(turnedPreview.output, turnedPreview.referenceCrop, cv::NORM_L1) > 0);
    face::FaceLandmarks pinched = face.observed;
    pinched.points[31] = pinched.points[35];
    const RenderedFrame fallback = session.render(network(pinched, true, {}));
    EXPECT(fallback.preview && fallback.output.cols == 64 && fallback.output.rows == 64);

    // Paste-back: pixels far from the crop are the photo's, bit for bit; inside the crop they changed.
    const cv::Mat result = composite(photo, edited.output, edited.cropBox);
    const cv::Rect crop(static_cast<int>(edited.cropBox.x), static_cast<int>(edited.cropBox.y),
                        static_cast<int>(edited.cropBox.width), static_cast<int>(edited.cropBox.height));
    cv::Mat outside(photo.size(), CV_8UC1, cv::Scalar(255));
    outside(crop & cv::Rect(0, 0, photo.cols, photo.rows)).setTo(0);
    cv::Mat difference;
    cv::absdiff(photo, result, difference);
    cv::Mat changed;
    cv::cvtColor(difference, changed, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(cv::countNonZero(changed & outside), 0);
    EXPECT(cv::countNonZero(changed) > crop.area() / 8);
    // Only around the face: the crop's corners keep the photo's pixels, the face's centre is replaced.
    EXPECT(!edited.pasteRegion.empty());
    const cv::Mat regionPasted = composite(photo, edited.output, edited.cropBox, edited.pasteRegion);
    cv::absdiff(photo, regionPasted, difference);
    cv::cvtColor(difference, changed, cv::COLOR_BGR2GRAY);
    const cv::Rect inPhoto = crop & cv::Rect(0, 0, photo.cols, photo.rows);
    EXPECT_EQ(cv::countNonZero(changed(cv::Rect(inPhoto.x, inPhoto.y, 3, 3))), 0);
    EXPECT(cv::countNonZero(changed) > 0);
    const cv::Mat region = faceRegion(face.observed, portraitLandmarks(face, turned), edited.cropBox, session.canvas());
    const BoxToCanvas map{edited.cropBox, session.canvas().width, session.canvas().height};
    const Point2 nose = map.toCanvas(face.observed.points[30]);
    EXPECT(region.at<float>(static_cast<int>(nose.y), static_cast<int>(nose.x)) > 0.99f);
    EXPECT(region.at<float>(0, 0) < 0.01f);
    EXPECT(cv::norm(region, edited.pasteRegion, cv::NORM_INF) < 1e-6);

    EXPECT_THROWS(Error, PortraitSession(tinyBody(), 1, {Device::Cpu, 1}), "face");
}

TEST_CASE(edit_portrait_session_hybrid_draws_where_a_prior_models_visibility_says_the_photo_cannot) {
    const PortraitFace& face = astronautFace();
    const cv::Mat photo = image::loadImage(test::samplePath("astronaut.jpg"));
    face::FaceParameters edited = face.fitted;
    setExpressionByName(edited, face::MorphableModel::standard(), "jaw_open", 0.8);
    PortraitRenderRequest request;
    request.target = portraitLandmarks(face, edited);
    const auto render = [&](PortraitSession& session) {
        session.setPhoto(photo, face.observed);
        return session.render(request);
    };
    model::ModelConfig config = tinyFace();
    PortraitSession plainSession(config, 5, {Device::Cpu, 2});
    const RenderedFrame plain = render(plainSession);
    EXPECT(plain.visibility.empty());  // no flow prior, no V

    // Untrained, V = 1 everywhere: the network fills the mesh's holes only, as for a model without the prior.
    config.flowPrior = true;
    PortraitSession untrainedSession(config, 5, {Device::Cpu, 2});
    const RenderedFrame untrained = render(untrainedSession);
    EXPECT_EQ(untrained.visibility.size(), cv::Size(config.canvasWidth, config.height));
    EXPECT_EQ(cv::norm(untrained.visibility, cv::Mat::ones(untrained.visibility.size(), CV_32F), cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::countNonZero(untrained.networkMask != plain.networkMask), 0);

    // Weights whose V is 0.2 everywhere: the network draws beyond the holes, but only near them (about a tenth of
    // the face's width) and among the face's pixels that moved; nothing outside the changed box differs, and a
    // preview runs no network.
    const std::string weights = test::tempPath("portrait_low_visibility.safetensors");
    saveWithVisibility(config, 0.2f, weights);
    PortraitSession trainedSession(weights, {Device::Cpu, 2});
    const RenderedFrame trained = render(trainedSession);
    EXPECT(cv::countNonZero(trained.visibility > 0.21f) == 0);
    EXPECT(cv::countNonZero(trained.networkMask) > cv::countNonZero(untrained.networkMask));
    EXPECT_EQ(largestChangeOutsideChangedBox(photo, trained), 0.0);
    const Point2 jawLeft = face.observed.points[0], jawRight = face.observed.points[16];
    const int reach = static_cast<int>(std::ceil(0.12 * std::hypot(jawRight.x - jawLeft.x, jawRight.y - jawLeft.y)));
    cv::Mat nearHoles;
    cv::dilate(trained.holeMask, nearHoles,
               cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * reach + 1, 2 * reach + 1}));
    EXPECT_EQ(cv::countNonZero(trained.networkMask & ~nearHoles), 0);
    request.preview = true;
    EXPECT(trainedSession.render(request).visibility.empty());
    // A head turned a little opens a sliver of a hole at the mouth's corner (a few pixels): V does not turn that
    // into a redrawing of the teeth around it; the network covers about what the sliver's feather covers.
    face::FaceParameters turned = face.fitted;
    turned.pose.yaw += 10;
    request = {};
    request.target = portraitLandmarks(face, turned);
    const RenderedFrame sliver = trainedSession.render(request), sliverUntrained = untrainedSession.render(request);
    const int sliverHoles = cv::countNonZero(sliver.holeMask);
    EXPECT(sliverHoles > 0 && sliverHoles < 20);
    EXPECT(cv::countNonZero(sliver.networkMask) <= 2 * cv::countNonZero(sliverUntrained.networkMask) + 8 * sliverHoles);
}

TEST_CASE(edit_portrait_session_hybrid_moves_the_photos_pixels_and_the_network_fills_only_the_opened_mouth) {
    const PortraitFace& face = astronautFace();
    const cv::Mat photo = image::loadImage(test::samplePath("astronaut.jpg"));
    PortraitSession session(tinyFace(), 5, {Device::Cpu, 2});
    session.setPhoto(photo, face.observed);
    EXPECT(session.canDeform());
    // No landmark moved: the photo itself, bit for bit.
    PortraitRenderRequest request;
    request.target = face.observed;
    const RenderedFrame still = session.render(request);
    EXPECT(still.method == ReposeMethod::Hybrid);
    EXPECT(still.changed.empty());
    EXPECT_EQ(cv::norm(editedPhoto(photo, still), photo, cv::NORM_INF), 0.0);

    // Turned and the mouth opened: the face keeps the photo's detail at its resolution, nothing outside the
    // changed box differs, and the network draws only inside the opened mouth.
    face::FaceParameters edited = face.fitted;
    edited.pose.yaw += 15;
    setExpressionByName(edited, face::MorphableModel::standard(), "jaw_open", 0.8);
    request.target = portraitLandmarks(face, edited);
    request.maps = MapSelection::all(std::nullopt);
    const RenderedFrame opened = session.render(request);
    EXPECT(opened.method == ReposeMethod::Hybrid);
    EXPECT(opened.warnings.empty());
    EXPECT_EQ(opened.photoResult.size(), photo.size());
    EXPECT(cv::norm(editedPhoto(photo, opened), opened.photoResult, cv::NORM_INF) == 0.0);
    EXPECT_EQ(largestChangeOutsideChangedBox(photo, opened), 0.0);
    const auto eyeLine = [](const face::FaceLandmarks& f) {
        return std::pair{cv::Point2f(f.points[36].x, f.points[36].y), cv::Point2f(f.points[45].x, f.points[45].y)};
    };
    const auto [eyeA, eyeB] = eyeLine(face.observed);
    const auto [eyeA2, eyeB2] = eyeLine(request.target);
    EXPECT(deform::laplacianVariance(opened.photoResult, eyeA2, eyeB2, 6) >
           0.8 * deform::laplacianVariance(photo, eyeA, eyeB, 6));
    EXPECT(cv::countNonZero(opened.holeMask) > 0);
    EXPECT(!opened.networkMask.empty() && cv::countNonZero(opened.networkMask) > 0);
    cv::Mat mouth = cv::Mat::zeros(photo.size(), CV_8U);
    std::vector<cv::Point> inner;
    for (int i = 60; i < 68; ++i)
        inner.emplace_back(static_cast<int>(std::lround(request.target.points[static_cast<std::size_t>(i)].x)),
                           static_cast<int>(std::lround(request.target.points[static_cast<std::size_t>(i)].y)));
    cv::fillPoly(mouth, std::vector<std::vector<cv::Point>>{inner}, cv::Scalar(255));
    cv::dilate(mouth, mouth, cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9}));
    EXPECT_EQ(cv::countNonZero(opened.networkMask & ~mouth(opened.changed)), 0);
    EXPECT(!opened.maps.mesh.empty() && !opened.maps.holes.empty());
    // The network's edit of the same face is blurred by comparison: it draws at the canvas's size.
    request.method = ReposeMethod::Network;
    const RenderedFrame redrawn = session.render(request);
    EXPECT(redrawn.method == ReposeMethod::Network && redrawn.photoResult.empty());
    EXPECT(deform::laplacianVariance(editedPhoto(photo, redrawn), eyeA2, eyeB2, 6) <
           deform::laplacianVariance(opened.photoResult, eyeA2, eyeB2, 6));

    // A slider drag's preview is the warp alone: no network.
    request.method = ReposeMethod::Hybrid;
    request.maps = {};
    request.preview = true;
    const RenderedFrame preview = session.render(request);
    EXPECT(preview.preview && preview.networkMask.empty() && cv::countNonZero(preview.holeMask) > 0);
    EXPECT_EQ(preview.synthesisMilliseconds, 0.0);

    // A face too small to mesh falls back on the network, with a sentence saying so.
    face::FaceLandmarks tiny = face.observed.mapped([&](Point2 p) {
        return Point2{face.observed.points[30].x + (p.x - face.observed.points[30].x) * 0.15f,
                      face.observed.points[30].y + (p.y - face.observed.points[30].y) * 0.15f};
    });
    session.setPhoto(photo, tiny);
    EXPECT(!session.canDeform());
    EXPECT(session.deformUnavailableReason().find("too small") != std::string::npos);
    request = {};
    request.target = tiny;
    const RenderedFrame fallback = session.render(request);
    EXPECT(fallback.method == ReposeMethod::Network);
    EXPECT(!fallback.warnings.empty() &&
           fallback.warnings.front().find("network redrew the face") != std::string::npos);
}

TEST_CASE(edit_portrait_bad_inputs_give_clear_errors) {
    EXPECT_THROWS(Error, findPortraitFace(cv::Mat(1, 1, CV_8UC3, cv::Scalar(0, 0, 0)), "tiny.png"), "tiny.png");
    EXPECT_THROWS(Error, findPortraitFace(cv::Mat(240, 320, CV_8UC3, cv::Scalar(90, 120, 150)), "wall.png"), "wall.png",
                  "no face");
    EXPECT_THROWS(Error, findPortraitFace(image::loadImage(test::samplePath("astronaut.jpg")), "astronaut.jpg", 5),
                  "astronaut.jpg");
    const PortraitFace& face = astronautFace();
    face::FaceParameters tooFar = face.fitted;
    tooFar.pose.yaw = 120;
    EXPECT_THROWS(Error, portraitLandmarks(face, tooFar), "yaw", "120");
    const face::MorphableModel& model = face::MorphableModel::standard();
    EXPECT_THROWS(Error,
                  face::parametersFromJson(R"({"expression": {"jaw_open": 3}})", model, "slider.json", face.fitted),
                  "slider.json", "jaw_open");
}

TEST_CASE(edit_portrait_document_round_trips) {
    const PortraitFace& face = astronautFace();
    const face::MorphableModel& model = face::MorphableModel::standard();
    EditDocument d;
    d.photoPath = "astronaut.jpg";
    d.mode = "portrait";
    PortraitEdit portrait;
    portrait.reference = face.observed;
    portrait.parameters = face.fitted;
    portrait.parameters.pose.yaw += 10;
    portrait.parameters.setExpression(model, "smile_left", 0.5);
    portrait.target = portraitLandmarks(face, portrait.parameters);
    d.portrait = portrait;
    const std::string path = test::tempPath("astronaut.jpg" + std::string(kEditDocumentSuffix));
    writeEditDocument(path, d);
    const EditDocument back = readEditDocument(path);
    EXPECT_EQ(back.mode, std::string("portrait"));
    EXPECT(back.portrait.has_value());
    EXPECT(back.portrait->reference == portrait.reference);
    EXPECT_NEAR(back.portrait->parameters.pose.yaw, portrait.parameters.pose.yaw, 1e-9);
    EXPECT_NEAR(back.portrait->parameters.expressionValue(model, "smile_left"), 0.5, 1e-12);
    EXPECT_EQ(back.reference.presentCount(), 0);

    std::string text = toJson(d);
    const auto at = text.find("\"smile_left\"");
    EXPECT(at != std::string::npos);
    text.replace(at, text.find_first_of(",}\n", at) - at, "\"smile_left\": 1.7");
    EXPECT_THROWS(Error, parseEditDocument(text, "p.json"), "p.json", "smile_left", "1.7");
    EXPECT_THROWS(
        Error, parseEditDocument(R"({"marionette_edit": 1, "photo": {"path": "a.jpg"}, "mode": "portrait"})", "p.json"),
        "p.json", "portrait");
}

TEST_CASE(edit_other_people_are_the_detections_that_are_not_the_reference) {
    pose::Pose reference = defaultSkeleton(Box{100, 100, 100, 300});
    const double torso = pose::torsoLength(reference);
    // The detector's view of the same person, a few pixels off; someone beside them; someone with no joint in common.
    const pose::Pose same = reference.mapped([](Point2 p) { return Point2{p.x + 4, p.y - 3}; });
    const pose::Pose beside = reference.mapped([torso](Point2 p) {
        return Point2{p.x + static_cast<float>(torso), p.y};
    });
    pose::Pose stranger;
    for (int j = 0; j < pose::kJointCount; ++j) {
        if (!reference.has(pose::jointAt(j))) stranger.set(pose::jointAt(j), 10, 10);
    }
    const auto others = otherPeople({same, beside, stranger}, reference);
    EXPECT_EQ(static_cast<int>(others.size()), 1);
    EXPECT(others.front().at(pose::JointId::Neck).position.x == beside.at(pose::JointId::Neck).position.x);
    EXPECT(otherPeople({}, reference).empty());
}
