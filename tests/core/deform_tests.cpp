// core/deform: the person layer, part meshes, ARAP, rendering at the photo's resolution, holes and depth.
// The fixture is a drawn person (checkered clothes on a striped background) whose mask is known exactly.
#include "check.h"

#include "marionette/deform/arap.h"
#include "marionette/deform/body_parts.h"
#include "marionette/deform/hole_fill.h"
#include "marionette/deform/mesh_render.h"
#include "marionette/deform/puppet.h"
#include "marionette/deform/quality.h"
#include "marionette/util/error.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

using namespace marionette;
using namespace marionette::deform;
using J = pose::JointId;

namespace {

struct DrawnPerson {
    cv::Mat photo;        // 8-bit BGR
    cv::Mat probability;  // float, the segmenter's kind of mask
    cv::Mat mask;         // 8-bit, the exact person
    pose::Pose pose;
};

const DrawnPerson& drawnPerson() {
    static const DrawnPerson person = [] {
        DrawnPerson d;
        d.photo = cv::Mat(700, 800, CV_8UC3);
        cv::RNG rng(7);
        rng.fill(d.photo, cv::RNG::UNIFORM, cv::Scalar(60, 90, 60), cv::Scalar(120, 160, 120));
        for (int x = 0; x < 800; x += 40) cv::line(d.photo, {x, 0}, {x, 699}, cv::Scalar(30, 30, 200), 3);
        pose::Pose& p = d.pose;
        p.set(J::Nose, 400, 110), p.set(J::Neck, 400, 170);
        p.set(J::RightShoulder, 340, 180), p.set(J::RightElbow, 300, 270), p.set(J::RightWrist, 270, 350);
        p.set(J::LeftShoulder, 460, 180), p.set(J::LeftElbow, 500, 270), p.set(J::LeftWrist, 530, 350);
        p.set(J::RightHip, 365, 380), p.set(J::RightKnee, 360, 500), p.set(J::RightAnkle, 360, 620);
        p.set(J::LeftHip, 435, 380), p.set(J::LeftKnee, 440, 500), p.set(J::LeftAnkle, 440, 620);
        p.set(J::RightEye, 390, 100), p.set(J::LeftEye, 410, 100), p.set(J::RightEar, 380, 110),
            p.set(J::LeftEar, 420, 110);
        const auto pt = [&](J j) {
            return cv::Point(static_cast<int>(p.at(j).position.x), static_cast<int>(p.at(j).position.y));
        };
        d.mask = cv::Mat::zeros(d.photo.size(), CV_8U);
        cv::fillConvexPoly(
            d.mask, std::vector<cv::Point>{pt(J::RightShoulder), pt(J::LeftShoulder), pt(J::LeftHip), pt(J::RightHip)},
            cv::Scalar(255));
        for (const auto& limb : pose::limbs()) cv::line(d.mask, pt(limb.parent), pt(limb.child), cv::Scalar(255), 34);
        cv::circle(d.mask, pt(J::Nose), 40, cv::Scalar(255), cv::FILLED);
        cv::Mat clothes(d.photo.size(), CV_8UC3);
        for (int y = 0; y < clothes.rows; ++y) {
            for (int x = 0; x < clothes.cols; ++x)
                clothes.at<cv::Vec3b>(y, x) = ((x / 6 + y / 6) % 2) ? cv::Vec3b(40, 160, 230) : cv::Vec3b(20, 60, 120);
        }
        clothes.copyTo(d.photo, d.mask);
        d.mask.convertTo(d.probability, CV_32F, 1.0 / 255.0);
        cv::GaussianBlur(d.probability, d.probability, {9, 9}, 3);
        return d;
    }();
    return person;
}

// A copy to change: cv::Mat copies share their pixels, and the fixture must stay as drawn for other cases.
DrawnPerson drawnPersonCopy() {
    const DrawnPerson& d = drawnPerson();
    return {d.photo.clone(), d.probability.clone(), d.mask.clone(), d.pose};
}

const Puppet& drawnPuppet() {
    static const Puppet puppet(drawnPerson().photo, drawnPerson().probability, drawnPerson().pose);
    return puppet;
}

cv::Point2f position(const pose::Pose& p, J j) { return {p.at(j).position.x, p.at(j).position.y}; }

// The pose with the right arm turned by `degrees` about the shoulder (counter-clockwise on screen).
pose::Pose armTurned(const pose::Pose& p, double degrees) {
    const cv::Point2f centre = position(p, J::RightShoulder);
    const double a = -degrees * CV_PI / 180;
    pose::Pose out = p;
    for (J j : {J::RightElbow, J::RightWrist}) {
        const cv::Point2f q = position(p, j) - centre;
        out.set(j, static_cast<float>(centre.x + q.x * std::cos(a) - q.y * std::sin(a)),
                static_cast<float>(centre.y + q.x * std::sin(a) + q.y * std::cos(a)));
    }
    return out;
}

}  // namespace

TEST_CASE(deform_meshes_cover_each_part_and_no_triangle_is_turned_at_rest) {
    const Puppet& puppet = drawnPuppet();
    for (int i = 0; i < kBodyPartCount; ++i) {
        const PartMesh& mesh = puppet.mesh(bodyPartAt(i));
        EXPECT(!mesh.empty());
        EXPECT(mesh.pins.size() >= 2);
        for (const auto& t : mesh.triangles) EXPECT(signedArea2(mesh.rest[t[0]], mesh.rest[t[1]], mesh.rest[t[2]]) > 0);
        const BackwardMap rest = rasteriseBackwardMap(mesh.rest, mesh.rest, mesh.triangles, drawnPerson().photo.size());
        cv::Mat covered = cv::Mat::zeros(drawnPerson().photo.size(), CV_8U);
        rest.covered.copyTo(covered(rest.area));
        const cv::Mat own = (puppet.layer().parts == (1 + i)) & (puppet.layer().alpha > 0.5f);
        const int ownCount = cv::countNonZero(own);
        EXPECT(ownCount > 500);
        EXPECT(cv::countNonZero(own & covered) >= ownCount * 0.995);
    }
    // The whole person is labelled, and an arm's pixels belong to the arm.
    EXPECT(cv::countNonZero((puppet.layer().parts == 0) & (drawnPerson().mask > 0) & (puppet.layer().alpha > 0.5f)) ==
           0);
    EXPECT_EQ(static_cast<int>(puppet.layer().parts.at<uchar>(310, 285)), 1 + index(BodyPart::RightArm));
    EXPECT_EQ(static_cast<int>(puppet.layer().parts.at<uchar>(300, 400)), 1 + index(BodyPart::Trunk));
}

TEST_CASE(deform_no_joint_moved_gives_the_photo_back_bit_for_bit) {
    const PuppetFrame frame = drawnPuppet().pose(drawnPerson().pose);
    EXPECT(frame.changed.empty());
    EXPECT_EQ(cv::norm(frame.image, drawnPerson().photo, cv::NORM_INF), 0.0);
    // A target that lacks joints leaves them where they are: still nothing moved.
    pose::Pose partial = drawnPerson().pose;
    partial.remove(J::LeftWrist);
    partial.remove(J::Nose);
    EXPECT_EQ(cv::norm(drawnPuppet().pose(partial).image, drawnPerson().photo, cv::NORM_INF), 0.0);
}

TEST_CASE(deform_an_arm_turned_rigidly_matches_warp_affine_inside_the_arm) {
    const pose::Pose target = armTurned(drawnPerson().pose, 100);
    const PuppetFrame frame = drawnPuppet().pose(target);
    cv::Mat expected;
    cv::warpAffine(drawnPerson().photo, expected,
                   cv::getRotationMatrix2D(position(drawnPerson().pose, J::RightShoulder), 100, 1.0),
                   drawnPerson().photo.size(), cv::INTER_CUBIC);
    // Inside the forearm (away from its edges and the shoulder, where parts blend), the pixels are the
    // turned photo's; a shift of a pixel on 6-pixel checks would show as a mean error of tens of grey levels.
    cv::Mat forearm = cv::Mat::zeros(expected.size(), CV_8U);
    cv::line(forearm, position(target, J::RightElbow), position(target, J::RightWrist), cv::Scalar(255), 20);
    cv::Mat difference;
    cv::absdiff(expected, frame.image, difference);
    const cv::Scalar mean = cv::mean(difference, forearm);
    EXPECT(mean[0] < 3 && mean[1] < 3 && mean[2] < 3);
    // Detail: as much as the exact rotation keeps (turning 6-pixel checks by 100 degrees and sampling them
    // softens them for both).
    const cv::Point2f elbow = position(target, J::RightElbow), wrist = position(target, J::RightWrist);
    EXPECT(laplacianVariance(frame.image, elbow, wrist, 10) > 0.9 * laplacianVariance(expected, elbow, wrist, 10));
}

TEST_CASE(deform_pins_are_met_and_the_factorisation_is_reused_across_drags) {
    const Puppet& puppet = drawnPuppet();
    const long before = ArapSolver::factorisationCount();
    for (double degrees : {20.0, 45.0, 90.0, 135.0}) {
        const pose::Pose target = armTurned(drawnPerson().pose, degrees);
        const auto vertices = puppet.deformedVertices(target);
        const PartMesh& arm = puppet.mesh(BodyPart::RightArm);
        for (const Pin& pin : arm.pins)
            EXPECT(cv::norm(vertices[static_cast<std::size_t>(index(BodyPart::RightArm))]
                                    [static_cast<std::size_t>(pin.vertex)] -
                            pinPosition(pin, target)) < 0.5);
        (void)puppet.pose(target);
    }
    EXPECT_EQ(ArapSolver::factorisationCount(), before);
}

TEST_CASE(deform_arap_reproduces_a_rotation_and_refuses_too_few_pins) {
    // A 5 x 5 grid pinned at two opposite corners that turn by 30 degrees: every vertex turns with them.
    std::vector<cv::Point2f> rest;
    std::vector<cv::Vec3i> triangles;
    for (int y = 0; y < 5; ++y) {
        for (int x = 0; x < 5; ++x) rest.emplace_back(static_cast<float>(10 * x), static_cast<float>(10 * y));
    }
    for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 4; ++x) {
            const int v = y * 5 + x;
            triangles.emplace_back(v, v + 5, v + 1);
            triangles.emplace_back(v + 1, v + 5, v + 6);
        }
    }
    const double a = 30 * CV_PI / 180;
    const auto turned = [&](cv::Point2f p) {
        return cv::Point2f(static_cast<float>(p.x * std::cos(a) - p.y * std::sin(a) + 5),
                           static_cast<float>(p.x * std::sin(a) + p.y * std::cos(a)));
    };
    const ArapSolver solver(rest, triangles, {0, 24});
    const auto solved = solver.solve({turned(rest[0]), turned(rest[24])});
    for (std::size_t v = 0; v < rest.size(); ++v) EXPECT(cv::norm(solved[v] - turned(rest[v])) < 1e-3);
    EXPECT_THROWS(Error, ArapSolver(rest, triangles, {3}), "two pins");
    EXPECT_THROWS(Error, solver.solve({rest[0]}), "one target per pin");
}

TEST_CASE(deform_hole_mask_is_the_old_person_minus_the_new) {
    const pose::Pose target = armTurned(drawnPerson().pose, 120);
    const PuppetFrame frame = drawnPuppet().pose(target);
    const cv::Rect c = frame.changed;
    EXPECT(!c.empty());
    const auto holeAt = [&](cv::Point2f p) { return frame.holes.at<uchar>(cv::Point(p) - c.tl()) != 0; };
    // Where the forearm was is uncovered; where it went is person.
    const cv::Point2f oldForearm =
        (position(drawnPerson().pose, J::RightElbow) + position(drawnPerson().pose, J::RightWrist)) * 0.5f;
    const cv::Point2f newForearm = (position(target, J::RightElbow) + position(target, J::RightWrist)) * 0.5f;
    EXPECT(holeAt(oldForearm));
    EXPECT(!holeAt(newForearm));
    EXPECT(frame.personAlpha.at<float>(cv::Point(newForearm) - c.tl()) > 0.9f);
    // Every hole pixel was person and is not any more.
    const cv::Mat wasPerson = drawnPuppet().layer().alpha(c) > 0.5f;
    EXPECT_EQ(cv::countNonZero(frame.holes & ~wasPerson), 0);
    EXPECT_EQ(cv::countNonZero(frame.holes & (frame.personAlpha > 0.5f)), 0);
    // The uncovered background is background again: no checkered clothes left where the forearm was.
    const cv::Vec3b filled = frame.image.at<cv::Vec3b>(cv::Point(oldForearm));
    EXPECT(filled[2] < 190 || filled[1] > 80);
    // Round trip: dragged away and back, the photo again.
    EXPECT(std::isinf(psnr(drawnPuppet().pose(drawnPerson().pose).image, drawnPerson().photo)));
}

TEST_CASE(deform_depth_order_puts_the_chosen_limb_in_front_or_behind) {
    const Puppet& puppet = drawnPuppet();
    std::array<bool, kBodyPartCount> moved{};
    moved[static_cast<std::size_t>(index(BodyPart::RightArm))] = true;
    const auto positionIn = [](const std::vector<BodyPart>& order, BodyPart p) {
        return std::find(order.begin(), order.end(), p) - order.begin();
    };
    const auto automatic = puppet.drawOrder(moved, {});
    EXPECT(positionIn(automatic, BodyPart::RightArm) > positionIn(automatic, BodyPart::Trunk));
    const auto behind = puppet.drawOrder(moved, parseDepthOrder("right_arm=behind"));
    EXPECT(positionIn(behind, BodyPart::RightArm) < positionIn(behind, BodyPart::Trunk));
    // Swung across the chest: in front, the arm's checks cover the chest; behind, the chest stays.
    const pose::Pose across = armTurned(drawnPerson().pose, 75);
    const cv::Point chest(400, 260);
    const PuppetFrame front = puppet.pose(across, parseDepthOrder("right_arm=front"));
    const PuppetFrame back = puppet.pose(across, parseDepthOrder("right_arm=behind"));
    EXPECT(front.personAlpha.at<float>(chest - front.changed.tl()) > 0.5f);
    EXPECT_EQ(back.image.at<cv::Vec3b>(chest), drawnPerson().photo.at<cv::Vec3b>(chest));
    EXPECT(cv::norm(front.image, back.image, cv::NORM_L1) > 0);
}

TEST_CASE(deform_depth_order_text_round_trips_and_refuses_what_it_does_not_know) {
    const DepthOrder order = parseDepthOrder("right_arm=behind,left_leg=front");
    EXPECT(order.of(BodyPart::RightArm) == Depth::Behind);
    EXPECT(order.of(BodyPart::LeftLeg) == Depth::Front);
    EXPECT(order.of(BodyPart::LeftArm) == Depth::Auto);
    EXPECT(parseDepthOrder(toString(order)) == order);
    EXPECT(parseDepthOrder("").isAuto());
    EXPECT_THROWS(Error, parseDepthOrder("tail=front"), "tail", "not a limb");
    EXPECT_THROWS(Error, parseDepthOrder("trunk=front"), "not a limb");
    EXPECT_THROWS(Error, parseDepthOrder("head=behind"), "not a limb");
    EXPECT_THROWS(Error, parseDepthOrder("right_arm=sideways"), "sideways");
    EXPECT_THROWS(Error, parseDepthOrder("right_arm"), "PART=");
}

TEST_CASE(deform_bad_inputs_are_refused_with_a_sentence) {
    const DrawnPerson& d = drawnPerson();
    cv::Mat grey;
    cv::cvtColor(d.photo, grey, cv::COLOR_BGR2GRAY);
    EXPECT_THROWS(Error, Puppet(grey, d.probability, d.pose), "8-bit colour");
    EXPECT_THROWS(Error, Puppet(d.photo, cv::Mat::zeros(10, 10, CV_32F), d.pose), "photo's size");
    EXPECT_THROWS(Error, Puppet(d.photo, cv::Mat::zeros(d.photo.size(), CV_32F), d.pose), "no person");
    pose::Pose one;
    one.set(J::Neck, 400, 170);
    EXPECT_THROWS(Error, Puppet(d.photo, d.probability, one), "two joints");
    pose::Pose noBone;
    noBone.set(J::Nose, 400, 110);
    noBone.set(J::RightWrist, 270, 350);
    EXPECT_THROWS(Error, Puppet(d.photo, d.probability, noBone), "no bone");
    pose::Pose outside = d.pose.mapped([](Point2 p) { return Point2{p.x + 5000, p.y}; });
    EXPECT_THROWS(Error, Puppet(d.photo, d.probability, outside), "outside the photo");
}

TEST_CASE(deform_a_limb_the_mask_misses_moves_with_a_band_and_a_warning) {
    DrawnPerson d = drawnPersonCopy();
    // The segmenter lost the left forearm.
    cv::line(d.probability, position(d.pose, J::LeftElbow), position(d.pose, J::LeftWrist), cv::Scalar(0), 40);
    const Puppet puppet(d.photo, d.probability, d.pose);
    EXPECT(!puppet.layer().warnings.empty());
    pose::Pose target = d.pose;
    target.set(J::LeftWrist, 580, 300);
    const PuppetFrame frame = puppet.pose(target);
    EXPECT(frame.moved[static_cast<std::size_t>(index(BodyPart::LeftArm))]);
    EXPECT(frame.personAlpha.at<float>(cv::Point(560, 290) - frame.changed.tl()) > 0.5f);
}

TEST_CASE(deform_a_drag_that_folds_the_mesh_draws_it_whole) {
    // The forearm folded back onto the upper arm: triangles turn over; every pixel of the new arm is drawn.
    pose::Pose target = drawnPerson().pose;
    target.set(J::RightWrist, 325, 200);
    const PuppetFrame frame = drawnPuppet().pose(target);
    EXPECT(frame.flippedTriangles > 0);
    const cv::Point elbow(position(target, J::RightElbow));
    EXPECT(frame.personAlpha.at<float>(elbow - frame.changed.tl()) > 0.5f);
}

TEST_CASE(deform_hole_fill_restores_a_smooth_background) {
    cv::Mat truth(200, 300, CV_8UC3);
    for (int y = 0; y < truth.rows; ++y) {
        for (int x = 0; x < truth.cols; ++x)
            truth.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(x / 2), static_cast<uchar>(100 + y / 4), 90);
    }
    cv::Mat holes = cv::Mat::zeros(truth.size(), CV_8U);
    cv::line(holes, {100, 60}, {180, 140}, cv::Scalar(255), 18);  // a limb-shaped hole
    for (FillMethod method : {FillMethod::Telea, FillMethod::ShiftMap, FillMethod::Fsr}) {
        cv::Mat image = truth.clone();
        image.setTo(cv::Scalar(0, 0, 255), holes);
        fillHoles(image, holes, method);
        EXPECT(psnr(image, truth, holes) > 28);
        EXPECT(std::isinf(psnr(image, truth, ~holes)));
        EXPECT(fillMethodFromString(toString(method)) == method);
    }
    EXPECT(!fillMethodFromString("blur").has_value());
    EXPECT(methodFor(FillQuality::Best) != methodFor(FillQuality::Fast));
    cv::Mat image = truth.clone();
    EXPECT_THROWS(Error, fillHoles(image, cv::Mat::zeros(5, 5, CV_8U), FillQuality::Fast), "of its size");
}

TEST_CASE(deform_quality_figures) {
    const DrawnPerson& d = drawnPerson();
    EXPECT(std::isinf(psnr(d.photo, d.photo)));
    cv::Mat blurred;
    cv::GaussianBlur(d.photo, blurred, {0, 0}, 4);
    const cv::Point2f a = position(d.pose, J::RightElbow), b = position(d.pose, J::RightWrist);
    EXPECT(laplacianVariance(blurred, a, b, 10) < 0.2 * laplacianVariance(d.photo, a, b, 10));
    EXPECT(*detailKept(d.photo, blurred, d.pose, armTurned(d.pose, 1)) < 0.5);
    EXPECT(!detailKept(d.photo, d.photo, d.pose, d.pose).has_value());
    cv::Mat flat(100, 100, CV_8UC3, cv::Scalar(50, 50, 50)), alpha = cv::Mat::zeros(100, 100, CV_32F);
    cv::circle(flat, {50, 50}, 30, cv::Scalar(200, 200, 200), cv::FILLED);
    cv::circle(alpha, {50, 50}, 30, cv::Scalar(1), cv::FILLED);
    EXPECT(seamRatio(flat, alpha) > 10);  // a hard-edged disc on flat grey: all the gradient is on the seam
}

// The head turned about the neck by `degrees` (counter-clockwise on screen).
pose::Pose headTurned(const pose::Pose& p, double degrees) {
    const cv::Point2f centre = position(p, J::Neck);
    const double a = -degrees * CV_PI / 180;
    pose::Pose out = p;
    for (J j : {J::Nose, J::RightEye, J::LeftEye, J::RightEar, J::LeftEar}) {
        const cv::Point2f q = position(p, j) - centre;
        out.set(j, static_cast<float>(centre.x + q.x * std::cos(a) - q.y * std::sin(a)),
                static_cast<float>(centre.y + q.x * std::sin(a) + q.y * std::cos(a)));
    }
    return out;
}

TEST_CASE(deform_the_head_turns_about_the_neck_and_the_trunk_stays) {
    const Puppet& puppet = drawnPuppet();
    EXPECT(partOfJoint(J::LeftEar) == BodyPart::Head && !isLimb(BodyPart::Head) && isLimb(BodyPart::LeftLeg));
    // The neck is sewn to the trunk: some of the head's pins ride on trunk bones.
    const PartMesh& head = puppet.mesh(BodyPart::Head);
    EXPECT(std::any_of(head.pins.begin(), head.pins.end(),
                       [](const Pin& pin) { return bones()[pin.bone].part == BodyPart::Trunk; }));
    const pose::Pose target = headTurned(drawnPerson().pose, 30);
    const PuppetFrame frame = puppet.pose(target);
    EXPECT(frame.moved[static_cast<std::size_t>(index(BodyPart::Head))]);
    EXPECT(!frame.moved[static_cast<std::size_t>(index(BodyPart::Trunk))]);
    // The chest and the arms are the photo's; the face's checks went with the nose.
    for (const cv::Point p : {cv::Point(400, 300), cv::Point(300, 270), cv::Point(400, 200)})
        EXPECT_EQ(frame.image.at<cv::Vec3b>(p), drawnPerson().photo.at<cv::Vec3b>(p));
    EXPECT(frame.personAlpha.at<float>(cv::Point(position(target, J::Nose)) - frame.changed.tl()) > 0.9f);
    // The face turned as a whole: its checks as sharp as the photo turned exactly (the neck bends, the face not).
    cv::Mat expected;
    cv::warpAffine(drawnPerson().photo, expected,
                   cv::getRotationMatrix2D(position(drawnPerson().pose, J::Neck), 30, 1.0), drawnPerson().photo.size(),
                   cv::INTER_CUBIC);
    const cv::Point2f face = (position(target, J::Neck) + position(target, J::Nose) * 3) * 0.25f;
    EXPECT(laplacianVariance(frame.image, face, position(target, J::Nose), 12) >
           0.85 * laplacianVariance(expected, face, position(target, J::Nose), 12));
}

TEST_CASE(deform_someone_touching_the_person_stays_where_they_are) {
    DrawnPerson d = drawnPersonCopy();
    // A second person in plain blue stands against the left arm; the segmenter sees one shape.
    const cv::Rect body(525, 150, 140, 500);
    cv::rectangle(d.photo, body, cv::Scalar(200, 80, 40), cv::FILLED);
    cv::rectangle(d.probability, body, cv::Scalar(1), cv::FILLED);
    pose::Pose other;
    other.set(J::Neck, 605, 170), other.set(J::RightShoulder, 560, 180), other.set(J::LeftShoulder, 650, 180);
    other.set(J::RightHip, 580, 400), other.set(J::LeftHip, 630, 400), other.set(J::RightKnee, 580, 520),
        other.set(J::LeftKnee, 630, 520);
    const cv::Point theirChest(620, 300);
    EXPECT(Puppet(d.photo, d.probability, d.pose).layer().alpha.at<float>(theirChest) >
           0.5f);  // taken along without them
    PuppetOptions options;
    options.layer.others = {other};
    const Puppet puppet(d.photo, d.probability, d.pose, options);
    EXPECT(puppet.layer().alpha.at<float>(theirChest) < 0.01f);
    EXPECT(puppet.layer().alpha.at<float>(cv::Point(position(d.pose, J::LeftElbow))) >
           0.9f);  // the arm against them is still the person's
}

TEST_CASE(deform_the_layer_edge_snaps_to_the_photo_where_the_segmenter_runs_wide) {
    DrawnPerson d = drawnPersonCopy();
    // A segmenter whose edge runs 8 pixels onto the background all round.
    cv::Mat wide;
    cv::dilate(d.mask, wide, cv::getStructuringElement(cv::MORPH_ELLIPSE, {17, 17}));
    wide.convertTo(d.probability, CV_32F, 1.0 / 255.0);
    cv::GaussianBlur(d.probability, d.probability, {9, 9}, 3);
    const cv::Point besideTheHip(339, 440);  // background, 6 pixels left of the right thigh's edge
    EXPECT_EQ(static_cast<int>(d.mask.at<uchar>(besideTheHip)), 0);
    PuppetOptions unsnapped;
    unsnapped.layer.snapToPhotoEdges = false;
    EXPECT(Puppet(d.photo, d.probability, d.pose, unsnapped).layer().alpha.at<float>(besideTheHip) > 0.5f);
    const Puppet snapped(d.photo, d.probability, d.pose);
    EXPECT(snapped.layer().alpha.at<float>(besideTheHip) < 0.1f);
    EXPECT(snapped.layer().alpha.at<float>(cv::Point(356, 440)) > 0.9f);  // inside the thigh, 10 pixels from its edge
}

TEST_CASE(deform_unmixing_takes_the_old_background_out_of_the_edge) {
    // I = a F + (1 - a) B with a known: F comes back where a >= 0.2; outside the box, the photo.
    const cv::Vec3f person(20, 60, 230), wall(200, 200, 190);
    cv::Mat alpha(40, 60, CV_32F), photo(40, 60, CV_8UC3);
    for (int y = 0; y < 40; ++y) {
        for (int x = 0; x < 60; ++x) {
            const float a = std::clamp((x - 10) / 30.f, 0.f, 1.f);
            alpha.at<float>(y, x) = a;
            const cv::Vec3f mixed = person * a + wall * (1 - a);
            photo.at<cv::Vec3b>(y, x) =
                cv::Vec3b(cv::saturate_cast<uchar>(mixed[0]), cv::saturate_cast<uchar>(mixed[1]),
                          cv::saturate_cast<uchar>(mixed[2]));
        }
    }
    const cv::Rect box(5, 0, 55, 40);
    const cv::Mat unmixed =
        unmixedForeground(photo, alpha, box, cv::Mat(box.size(), CV_8UC3, cv::Scalar(200, 200, 190)));
    for (int x = 17; x < 60; ++x) {  // a >= 0.23: within rounding of the person's own colour
        const cv::Vec3b f = unmixed.at<cv::Vec3b>(20, x);
        EXPECT(std::abs(f[0] - 20) <= 3 && std::abs(f[1] - 60) <= 3 && std::abs(f[2] - 230) <= 3);
    }
    EXPECT_EQ(unmixed.at<cv::Vec3b>(20, 2), photo.at<cv::Vec3b>(20, 2));
    EXPECT_EQ(cv::norm(unmixed(cv::Rect(40, 0, 20, 40)), photo(cv::Rect(40, 0, 20, 40)), cv::NORM_INF),
              0.0);  // a = 1: the photo
    EXPECT_THROWS(Error, unmixedForeground(photo, alpha, box, cv::Mat(3, 3, CV_8UC3)), "box's size");
}

TEST_CASE(deform_limb_shaped_holes_lie_on_the_background) {
    const DrawnPerson& d = drawnPerson();
    const auto holes = limbShapedHoles(d.photo.size(), d.pose, d.mask, 6, 3);
    EXPECT(!holes.empty() && holes.size() <= 6);
    for (const cv::Mat& hole : holes) {
        EXPECT(cv::countNonZero(hole) > 200);
        EXPECT_EQ(cv::countNonZero(hole & d.mask), 0);
    }
    EXPECT(limbShapedHoles(d.photo.size(), d.pose, cv::Mat(d.photo.size(), CV_8U, cv::Scalar(255)), 4, 3)
               .empty());  // no room
}

TEST_CASE(deform_a_hidden_limb_claims_no_pixels_and_is_left_for_the_network_where_it_goes) {
    const DrawnPerson& d = drawnPerson();
    // The detector guessed the right arm across the chest and could hardly see it (behind the body).
    pose::Pose guessed = d.pose;
    guessed.set(J::RightElbow, 380, 260, 0.25f);
    guessed.set(J::RightWrist, 410, 330, 0.2f);
    const Puppet puppet(d.photo, d.probability, guessed);
    EXPECT(!puppet.visibleReference().has(J::RightElbow) && !puppet.visibleReference().has(J::RightWrist));
    EXPECT(puppet.visibleReference().has(J::RightShoulder) && puppet.visibleReference().has(J::LeftWrist));
    // Raised: the chest it lay over stays as it was; where it went is what the photo never showed.
    pose::Pose raised = guessed;
    raised.set(J::RightElbow, 330, 110);
    raised.set(J::RightWrist, 330, 40);
    const PuppetFrame frame = puppet.pose(raised);
    EXPECT_EQ(frame.image.at<cv::Vec3b>(300, 400), d.photo.at<cv::Vec3b>(300, 400));
    EXPECT(!frame.changed.empty());
    EXPECT(frame.personHoles.at<uchar>(cv::Point(330, 75) - frame.changed.tl()) != 0);
    // Seen clearly, the same arm is the photo's to move.
    pose::Pose seen = guessed;
    seen.set(J::RightElbow, 380, 260, 0.9f);
    seen.set(J::RightWrist, 410, 330, 0.9f);
    EXPECT(Puppet(d.photo, d.probability, seen).visibleReference().has(J::RightWrist));
}
