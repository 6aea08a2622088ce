// The 3D morphable face model, its fitting and editing, and face detection with dlib (one process, so dlib's
// landmark model is loaded once).
#include "check.h"
#include "run_cli.h"
#include "samples.h"

#include "cli/command.h"
#include "marionette/face/face_fit.h"
#include "marionette/face/face_parameters.h"
#include "marionette/face/landmarks.h"
#include "marionette/face/layout.h"
#include "marionette/face/morphable_model.h"
#include "marionette/face_detect/face_detector.h"
#include "marionette/image/image_io.h"
#include "marionette/util/error.h"
#include "marionette/util/files.h"

#include <torch/types.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <sstream>

using namespace marionette;
using namespace marionette::face;

namespace {

const MorphableModel& model() { return MorphableModel::standard(); }

// Random parameters a photo could show: head turned up to 30 degrees, a face 130-400 pixels wide somewhere in a
// 640 x 480 photo, identity from its prior, and about half the expressions on at up to 0.8.
FaceParameters randomParameters(std::mt19937& rng) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::normal_distribution<double> normal(0.0, 1.0);
    auto between = [&](double a, double b) { return a + (b - a) * uniform(rng); };
    FaceParameters p = FaceParameters::neutral(model());
    p.pose = {between(-30, 30),  between(-20, 20),  between(-20, 20),
              between(250, 390), between(190, 290), between(9, 27)};
    for (auto& c : p.identity) c = std::clamp(0.8 * normal(rng), -2.5, 2.5);
    for (auto& e : p.expression) e = uniform(rng) < 0.5 ? between(0.1, 0.8) : 0.0;
    // Antagonists are never on together (no mouth puckers and stretches at once, nor presses its lips while
    // open): their sum would be ambiguous for any model of 68 points.
    const std::pair<const char*, const char*> antagonists[] = {
        {"pucker", "mouth_stretch"}, {"pucker", "smile_left"},   {"pucker", "smile_right"},
        {"pucker", "lips_press"},    {"lips_press", "jaw_open"}, {"lips_press", "mouth_stretch"},
        {"cheek_puff", "jaw_open"}};
    for (const auto& [a, b] : antagonists) {
        if (p.expressionValue(model(), a) > 0.0 && p.expressionValue(model(), b) > 0.0)
            p.setExpression(model(), uniform(rng) < 0.5 ? a : b, 0.0);
    }
    return p;
}

FaceLandmarks withNoise(FaceLandmarks landmarks, double sigma, std::mt19937& rng) {
    std::normal_distribution<float> noise(0.f, static_cast<float>(sigma));
    for (auto& p : landmarks.points) {
        p.x += noise(rng);
        p.y += noise(rng);
    }
    return landmarks;
}

double maxAbsDifference(const std::vector<double>& a, const std::vector<double>& b) {
    double worst = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

// Mean point distance over the outer eye corner distance: the usual normalised landmark error.
double normalisedError(const FaceLandmarks& a, const FaceLandmarks& reference) {
    const Point2 r = reference.points[36], l = reference.points[45];
    const double interocular = std::hypot(r.x - l.x, r.y - l.y);
    double sum = 0.0;
    for (std::size_t i = 0; i < a.points.size(); ++i)
        sum += std::hypot(a.points[i].x - reference.points[i].x, a.points[i].y - reference.points[i].y);
    return sum / a.points.size() / interocular;
}

Point2 point(const FaceLandmarks& f, int i) { return f.points[static_cast<std::size_t>(i)]; }

face_detect::FaceDetector& detector() { return *face_detect::FaceDetector::shared(); }

using test::runCli;

}  // namespace

// --- the model --------------------------------------------------------------------------------------------------

TEST_CASE(face3d_bundled_model_has_the_named_expressions_and_agrees_with_the_layout) {
    const MorphableModel& m = model();
    EXPECT(m.identityCount() >= 5);
    for (const char* name :
         {"jaw_open", "smile_left", "smile_right", "mouth_stretch", "pucker", "lips_press", "brow_raise_left",
          "brow_raise_right", "brow_furrow", "eye_close_left", "eye_close_right", "cheek_puff"}) {
        const auto& e = m.expressions()[static_cast<std::size_t>(m.expressionIndex(name))];
        EXPECT_EQ(e.min, 0.0);
        EXPECT_EQ(e.max, 1.0);
        double moved = 0.0;
        for (const auto& d : e.displacement) moved = std::max(moved, std::hypot(d.x, d.y, d.z));
        EXPECT(moved > 0.2);  // centimetres: every expression visibly moves some point
    }
    // The mean face is left-right symmetric under the layout's mirror table, and centred.
    double centroidX = 0.0;
    for (int i = 0; i < kLandmarkCount; ++i) {
        const Vec3& p = m.mean()[static_cast<std::size_t>(i)];
        const Vec3& q = m.mean()[static_cast<std::size_t>(mirrorLandmark(i))];
        EXPECT_NEAR(p.x, -q.x, 1e-3);
        EXPECT_NEAR(p.y, q.y, 1e-3);
        EXPECT_NEAR(p.z, q.z, 1e-3);
        centroidX += p.x;
    }
    EXPECT_NEAR(centroidX, 0.0, 1e-2);
    // The person's right eye (36-41) is on the image's left (x < 0); the nose tip is the nearest point.
    EXPECT(m.mean()[36].x < 0.0 && m.mean()[45].x > 0.0);
    for (int i = 0; i < kLandmarkCount; ++i) EXPECT(m.mean()[static_cast<std::size_t>(i)].z <= m.mean()[30].z + 1e-9);
    // Left and right expressions mirror each other.
    for (const auto& [left, right] :
         {std::pair{"smile_left", "smile_right"}, std::pair{"brow_raise_left", "brow_raise_right"},
          std::pair{"eye_close_left", "eye_close_right"}}) {
        const Shape3& l = m.expressions()[static_cast<std::size_t>(m.expressionIndex(left))].displacement;
        const Shape3& r = m.expressions()[static_cast<std::size_t>(m.expressionIndex(right))].displacement;
        for (int i = 0; i < kLandmarkCount; ++i) {
            const Vec3& a = l[static_cast<std::size_t>(i)];
            const Vec3& b = r[static_cast<std::size_t>(mirrorLandmark(i))];
            EXPECT_NEAR(a.x, -b.x, 1e-4);
            EXPECT_NEAR(a.y, b.y, 1e-4);
        }
    }
    // smile_left lifts the person's left mouth corner (54), not the right one (48).
    const Shape3& smile = m.expressions()[static_cast<std::size_t>(m.expressionIndex("smile_left"))].displacement;
    EXPECT(smile[54].y > 0.3);
    EXPECT_NEAR(smile[48].y, 0.0, 1e-9);
    EXPECT_THROWS(Error, m.expressionIndex("grin"), "grin", "smile_left");
}

TEST_CASE(face3d_model_files_are_checked) {
    EXPECT_THROWS(Error, MorphableModel::fromJson("{", "m.json"), "m.json", "not valid JSON");
    EXPECT_THROWS(Error, MorphableModel::fromJson("{\"format\": \"other\"}", "m.json"), "m.json", "not a face model");
    EXPECT_THROWS(Error, MorphableModel::fromJson("{\"format\": \"marionette.face_model\", \"version\": 7}", "m.json"),
                  "version");
    EXPECT_THROWS(Error,
                  MorphableModel::fromJson(
                      "{\"format\": \"marionette.face_model\", \"version\": 1, \"mean\": [[0, 0, 0]]}", "m.json"),
                  "m.json", "mean", "68 points");
    EXPECT_THROWS(Error, MorphableModel::load(test::tempPath("missing-model.json")), "missing-model.json");
    // A contour line on a point that is not on the jaw is refused.
    std::string text =
        files::readAll(std::string(MARIONETTE_SOURCE_DIR) + "/resources/face_model/face_model.json", 1u << 20);
    const std::string firstLine = "\"landmark\": 0,";
    EXPECT(text.find(firstLine) != std::string::npos);
    text.replace(text.find(firstLine), firstLine.size(), "\"landmark\": 30,");
    EXPECT_THROWS(Error, MorphableModel::fromJson(text, "m.json"), "m.json", "contour", "not a jaw point");
    // Integers beyond 32 bits do not wrap around into valid ones (4294967296 + 1 is not version 1, 2^32 is not
    // landmark 0).
    std::string wrapped = text;
    wrapped.replace(wrapped.find("\"landmark\": 30,"), 15, "\"landmark\": 4294967296,");
    EXPECT_THROWS(Error, MorphableModel::fromJson(wrapped, "m.json"), "m.json", "4294967296", "not a jaw point");
    const std::string version = "\"version\": 1";
    std::string later =
        files::readAll(std::string(MARIONETTE_SOURCE_DIR) + "/resources/face_model/face_model.json", 1u << 20);
    EXPECT(later.find(version) != std::string::npos);
    later.replace(later.find(version), version.size(), "\"version\": 4294967297");
    EXPECT_THROWS(Error, MorphableModel::fromJson(later, "m.json"), "m.json", "version");
    later.replace(later.find("4294967297"), 10, "18446744073709551617");  // beyond 64 bits
    EXPECT_THROWS(Error, MorphableModel::fromJson(later, "m.json"), "m.json", "version");
    // The bundled file itself reads back as the built-in model.
    const auto fromFile =
        MorphableModel::load(std::string(MARIONETTE_SOURCE_DIR) + "/resources/face_model/face_model.json");
    EXPECT_EQ(fromFile.expressionCount(), model().expressionCount());
    EXPECT_EQ(fromFile.mean()[8].y, model().mean()[8].y);
}

TEST_CASE(face3d_projection_follows_the_pose_conventions) {
    const FaceCamera camera = defaultCamera({640, 480});
    FaceParameters p = FaceParameters::neutral(model(), {0, 0, 0, 320, 240, 15});
    const FaceLandmarks front = project(model(), p, camera);
    EXPECT(point(front, 36).x < point(front, 45).x);  // the right eye on the image's left
    EXPECT(point(front, 27).y < point(front, 8).y);   // the brows above the chin
    auto turned = [&](double yaw, double pitch, double roll) {
        FaceParameters q = p;
        q.pose.yaw = yaw;
        q.pose.pitch = pitch;
        q.pose.roll = roll;
        return project(model(), q, camera);
    };
    // yaw > 0: the nose tip moves towards the image's right, relative to the chin's line.
    EXPECT(point(turned(20, 0, 0), 30).x > point(front, 30).x + 10);
    // pitch > 0: the nose tip, the face's nearest point, comes up most.
    const auto raised = turned(0, 15, 0);
    EXPECT(point(raised, 30).y < point(front, 30).y - 10);
    EXPECT(point(raised, 30).y - point(front, 30).y < point(raised, 36).y - point(front, 36).y - 3);
    // roll > 0: counter-clockwise in the image, so the person's left eye (image right) goes up.
    const auto rolled = turned(0, 0, 15);
    EXPECT(point(rolled, 45).y < point(front, 45).y - 5);
    EXPECT(point(rolled, 36).y > point(front, 36).y + 5);
    // Turned far, the far side's jaw points follow the face's silhouette over the cheek instead of swinging
    // inside the face: they stay outside the far mouth corner and the nose tip.
    EXPECT_EQ(model().contour().size(), 16u);
    for (const double yaw : {40.0, -40.0}) {
        const auto far = turned(yaw, 0, 0);
        const double out = yaw > 0 ? 1.0 : -1.0;
        const int mouthCorner = yaw > 0 ? 54 : 48;
        for (const int i : {11, 12, 13, 14, 15}) {
            const int j = yaw > 0 ? i : mirrorLandmark(i);
            const int feature = i <= 13 ? mouthCorner : 30;
            EXPECT((point(far, j).x - point(far, feature).x) * out > (i == 11 ? 1 : 5));
        }
    }
    // Scale is pixels per centimetre: the outer eye corners of the mean face are about 9 cm apart.
    EXPECT_NEAR((point(front, 45).x - point(front, 36).x) / 15.0, model().mean()[45].x - model().mean()[36].x, 0.5);
}

// --- fitting ----------------------------------------------------------------------------------------------------

TEST_CASE(face3d_fit_recovers_known_parameters_from_noisy_landmarks) {
    // 40 random faces, landmarks with 0.5 px noise: pose within 2 degrees; each expression coefficient (0 to 1)
    // within 0.3, and within 0.03 on average.
    std::mt19937 rng(8);
    const FaceCamera camera = defaultCamera({640, 480});
    FitOptions options;
    options.landmarkNoise = 0.003;  // 0.5 px on faces 130-400 px wide
    double worstAngle = 0.0, worstExpression = 0.0, sumExpressionError = 0.0;
    int expressionCount = 0;
    for (int trial = 0; trial < 40; ++trial) {
        const FaceParameters truth = randomParameters(rng);
        const FaceFit fit = fitFace(model(), withNoise(project(model(), truth, camera), 0.5, rng), camera, options);
        const HeadPose& got = fit.parameters.pose;
        worstAngle = std::max({worstAngle, std::abs(got.yaw - truth.pose.yaw), std::abs(got.pitch - truth.pose.pitch),
                               std::abs(got.roll - truth.pose.roll)});
        worstExpression = std::max(worstExpression, maxAbsDifference(fit.parameters.expression, truth.expression));
        for (std::size_t k = 0; k < truth.expression.size(); ++k, ++expressionCount)
            sumExpressionError += std::abs(fit.parameters.expression[k] - truth.expression[k]);
        EXPECT(fit.rmsResidual < 1.0);  // the fit explains the landmarks down to the noise (0.5 px a coordinate)
    }
    std::cerr << "    worst pose error " << worstAngle << " deg, worst expression error " << worstExpression
              << ", mean " << sumExpressionError / expressionCount << '\n';
    EXPECT(worstAngle < 2.0);
    EXPECT(worstExpression < 0.3);
    EXPECT(sumExpressionError / expressionCount < 0.03);
}

TEST_CASE(face3d_fit_of_noise_free_landmarks_leaves_no_residual) {
    std::mt19937 rng(3);
    const FaceCamera camera = defaultCamera({640, 480});
    FitOptions exact;
    exact.landmarkNoise = 1e-5;  // the landmarks are exact: the priors barely count
    for (int trial = 0; trial < 5; ++trial) {
        const FaceParameters truth = randomParameters(rng);
        const FaceLandmarks observed = project(model(), truth, camera);
        const FaceFit fit = fitFace(model(), observed, camera, exact);
        EXPECT(fit.rmsResidual < 0.05);  // pixels, on faces 130-400 pixels wide
        EXPECT_NEAR(fit.parameters.pose.yaw, truth.pose.yaw, 0.5);
        EXPECT_NEAR(fit.parameters.pose.pitch, truth.pose.pitch, 0.5);
        EXPECT_NEAR(fit.parameters.pose.roll, truth.pose.roll, 0.5);
        EXPECT(maxAbsDifference(fit.parameters.expression, truth.expression) < 0.05);
        // Unedited parameters give the observed landmarks back exactly: projection plus residuals.
        const FaceLandmarks same = editedLandmarks(model(), fit, fit.parameters);
        EXPECT(normalisedError(same, observed) < 1e-5);
    }
}

TEST_CASE(face3d_fit_refuses_degenerate_landmarks) {
    FaceLandmarks line;
    for (int i = 0; i < kLandmarkCount; ++i) line.points[static_cast<std::size_t>(i)] = {10.f + i, 20.f};
    EXPECT_THROWS(Error, fitFace(model(), line, defaultCamera({640, 480})), "degenerate");
    FaceLandmarks nan = line;
    nan.points[3].x = std::nanf("");
    EXPECT_THROWS(Error, fitFace(model(), nan, defaultCamera({640, 480})), "landmark 3", "finite");
}

TEST_CASE(face3d_edits_move_the_landmarks_and_keep_the_person) {
    std::mt19937 rng(11);
    const FaceCamera camera = defaultCamera({640, 480});
    FaceParameters truth = FaceParameters::neutral(model(), {5, -3, 2, 320, 240, 14});
    const FaceLandmarks observed = withNoise(project(model(), truth, camera), 1.5, rng);  // "the person's own shape"
    const FaceFit fit = fitFace(model(), observed, camera);

    FaceParameters smiling = fit.parameters;
    smiling.setExpression(model(), "smile_left", 0.8);
    const FaceLandmarks smile = editedLandmarks(model(), fit, smiling);
    EXPECT(point(smile, 54).y < point(observed, 54).y - 4);       // the left corner rises
    EXPECT_NEAR(point(smile, 48).y, point(observed, 48).y, 1.0);  // the right one stays
    EXPECT_NEAR(point(smile, 8).x, point(observed, 8).x, 0.5);    // and so does the chin

    FaceParameters turned = fit.parameters;
    turned.pose.yaw += 20;
    const FaceLandmarks yawed = editedLandmarks(model(), fit, turned);
    const double noseShift = point(yawed, 30).x - point(observed, 30).x;
    const double jawShift = (point(yawed, 0).x + point(yawed, 16).x - point(observed, 0).x - point(observed, 16).x) / 2;
    EXPECT(noseShift > jawShift + 10);  // the nose swings towards the image's right past the face's outline

    // The residuals ride along: the edited face keeps each point's offset from the model.
    const FaceLandmarks turnedModel = project(model(), turned, camera);
    for (int i = 0; i < kLandmarkCount; ++i) {
        EXPECT_NEAR(point(yawed, i).x - point(turnedModel, i).x, fit.residuals[static_cast<std::size_t>(i)].x, 1e-3);
    }

    // The network's view of the edit: 9 part maps on the 256 x 256 portrait canvas.
    const BoxToCanvas toCanvas{observed.bounds(), 256, 256};
    const torch::Tensor maps = renderEditedPartMaps(model(), fit, smiling, toCanvas);
    EXPECT_EQ(maps.size(0), kPartCount);
    EXPECT_EQ(maps.size(1), 256);
    EXPECT_EQ(maps.size(2), 256);
    EXPECT_NEAR(maps.amax({1, 2}).min().item<float>(), 1.f, 1e-4);  // every part drawn
    const torch::Tensor unedited = renderEditedPartMaps(model(), fit, fit.parameters, toCanvas);
    const auto lips = static_cast<int64_t>(FacePart::OuterLips), nose = static_cast<int64_t>(FacePart::NoseBridge);
    EXPECT((maps[lips] - unedited[lips]).abs().max().item<float>() > 0.5f);   // the mouth map changed
    EXPECT((maps[nose] - unedited[nose]).abs().max().item<float>() < 1e-5f);  // the nose's did not

    FaceParameters bad = fit.parameters;
    bad.expression[0] = 2.0;
    EXPECT_THROWS(Error, editedLandmarks(model(), fit, bad), "jaw_open", "2", "0 to 1");
    EXPECT_THROWS(Error, smiling.setExpression(model(), "smile_left", -0.5), "smile_left", "-0.5");
}

// --- parameters as JSON -------------------------------------------------------------------------------------------

TEST_CASE(face3d_parameters_round_trip_through_json_and_refuse_bad_values) {
    FaceParameters p = FaceParameters::neutral(model(), {12.5, -4, 3, 300, 200, 11});
    p.setExpression(model(), "smile_right", 0.6);
    p.identity[1] = -1.25;
    const std::string text = parametersToJson(p, model());
    const FaceParameters back = parametersFromJson(text, model(), "p.json", FaceParameters::neutral(model()));
    EXPECT_EQ(back.pose.yaw, 12.5);
    EXPECT_EQ(back.pose.scale, 11.0);
    EXPECT_EQ(back.expressionValue(model(), "smile_right"), 0.6);
    EXPECT_EQ(back.identity[1], -1.25);

    // A preset names a few values; the rest come from the base.
    const FaceParameters preset = parametersFromJson("{\"expression\": {\"jaw_open\": 0.3}, \"pose\": {\"yaw\": -10}}",
                                                     model(), "preset.json", p);
    EXPECT_EQ(preset.expressionValue(model(), "jaw_open"), 0.3);
    EXPECT_EQ(preset.expressionValue(model(), "smile_right"), 0.6);
    EXPECT_EQ(preset.pose.yaw, -10.0);
    EXPECT_EQ(preset.pose.x, 300.0);

    const FaceParameters base = FaceParameters::neutral(model());
    EXPECT_THROWS(Error, parametersFromJson("{\"expression\": {\"smile_left\": 1.5}}", model(), "slider.json", base),
                  "slider.json", "smile_left", "1.5", "0 to 1");
    EXPECT_THROWS(Error, parametersFromJson("{\"pose\": {\"yaw\": 120}}", model(), "slider.json", base), "yaw", "120",
                  "-90 to 90");
    EXPECT_THROWS(Error, parametersFromJson("{\"expression\": {\"grin\": 0.5}}", model(), "slider.json", base), "grin",
                  "smile_left");
    EXPECT_THROWS(Error, parametersFromJson("{\"expression\": {\"pucker\": \"lots\"}}", model(), "slider.json", base),
                  "pucker", "number");
    EXPECT_THROWS(Error, parametersFromJson("{\"pose\": {\"scale\": 0}}", model(), "slider.json", base), "scale");
    EXPECT_THROWS(Error, parametersFromJson("{\"mood\": 1}", model(), "slider.json", base), "mood");
    EXPECT_THROWS(Error, parametersFromJson("[1, 2", model(), "slider.json", base), "slider.json", "not valid JSON");
    EXPECT_THROWS(Error, parametersFromJson("{\"version\": 2}", model(), "slider.json", base), "version");
}

// --- detection with dlib ------------------------------------------------------------------------------------------

TEST_CASE(face3d_detects_the_sample_portrait_like_dlib_itself) {
    // The reference landmarks were made once by dlib's own example pipeline (upsample x2, detect, predict);
    // this checks our pipeline (colour order, search scale, box mapping), not dlib's accuracy.
    const cv::Mat photo = image::loadImage(test::samplePath("astronaut.jpg"));
    const auto faces = detector().detectAll(photo, "astronaut.jpg");
    EXPECT_EQ(faces.size(), 1u);  // the round mission badge on the suit is not a face
    const auto face = detector().detect(photo, "astronaut.jpg");
    const double error = normalisedError(face.landmarks, readPts(test::samplePath("astronaut.jpg.landmarks.pts")));
    std::cerr << "    astronaut: box " << face.box.width << " px, confidence " << face.confidence
              << ", mean normalised error against dlib's own pipeline " << error << '\n';
    EXPECT(error < 0.04);
    EXPECT(face.box.width > 60 && face.box.width < 120);

    // The fitted model explains the detected landmarks to a few percent of the face, and the face is frontal.
    const FaceFit fit = fitFace(model(), face.landmarks, defaultCamera({photo.cols, photo.rows}));
    std::cerr << "    fit: yaw " << fit.parameters.pose.yaw << ", pitch " << fit.parameters.pose.pitch << ", roll "
              << fit.parameters.pose.roll << ", rms residual " << fit.rmsResidual << " px, smile "
              << fit.parameters.expressionValue(model(), "smile_left") << "/"
              << fit.parameters.expressionValue(model(), "smile_right") << ", " << fit.iterations << " iterations\n";
    EXPECT(fit.rmsResidual < 0.04 * face.box.width);
    EXPECT(std::abs(fit.parameters.pose.yaw) < 20 && std::abs(fit.parameters.pose.roll) < 15);
}

TEST_CASE(face3d_detects_several_faces_largest_first) {
    // dlib's example photo 2009_004587.jpg: two people, the man's face larger.
    const cv::Mat photo = image::loadImage(test::samplePath("dlib-2009_004587.jpg"));
    const auto faces = detector().detectAll(photo, "dlib-2009_004587.jpg");
    EXPECT_EQ(faces.size(), 2u);
    if (faces.size() != 2u) return;
    EXPECT(faces[0].box.width * faces[0].box.height > faces[1].box.width * faces[1].box.height);
    for (int i = 0; i < 2; ++i) {
        const auto reference =
            readPts(test::samplePath("dlib-2009_004587.jpg.face" + std::to_string(i) + ".landmarks.pts"));
        const double error = normalisedError(faces[static_cast<std::size_t>(i)].landmarks, reference);
        std::cerr << "    face " << i << ": " << faces[static_cast<std::size_t>(i)].box.width << " px, error " << error
                  << '\n';
        EXPECT(error < 0.06);
    }
    const auto second = detector().detect(photo, "dlib-2009_004587.jpg", 1);
    EXPECT_EQ(second.box.x, faces[1].box.x);
    EXPECT_THROWS(Error, detector().detect(photo, "dlib-2009_004587.jpg", 2), "dlib-2009_004587.jpg", "2 faces",
                  "no face 2");
}

TEST_CASE(face3d_detection_refuses_bad_photos_clearly) {
    EXPECT_THROWS(Error, detector().detectAll(cv::Mat(1, 1, CV_8UC3, cv::Scalar(0, 0, 0)), "dot.png"), "dot.png",
                  "1 x 1");
    EXPECT_THROWS(Error, detector().detectAll(cv::Mat(), "empty.png"), "empty.png", "empty");
    EXPECT_THROWS(Error, detector().detect(cv::Mat(120, 160, CV_8UC3, cv::Scalar(90, 120, 150)), "wall.png"),
                  "wall.png", "no face found");
    // The portrait shrunk until the face is about 35 pixels wide: found, but too small for landmarks.
    const cv::Mat photo = image::loadImage(test::samplePath("astronaut.jpg"));
    cv::Mat small;
    cv::resize(photo, small, cv::Size(200, 200), 0, 0, cv::INTER_AREA);
    EXPECT_THROWS(Error, detector().detect(small, "small.png"), "small.png", "pixels wide", "at least 40");
    // Grey images work as well as colour ones.
    cv::Mat grey;
    cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(detector().detectAll(grey, "grey.png").size(), 1u);
    EXPECT_THROWS(Error, face_detect::FaceDetector(test::tempPath("nowhere.dat")), "nowhere.dat",
                  "MARIONETTE_DLIB_LANDMARKS");
    const std::string notAModel = test::tempPath("not-a-model.dat");
    files::writeAtomically(notAModel, "hello");
    EXPECT_THROWS(Error, face_detect::FaceDetector(notAModel), "not-a-model.dat", "not a dlib shape predictor");
}

TEST_CASE(face3d_cli_landmarks_writes_the_largest_face) {
    const std::string out = test::tempPath("astronaut.pts");
    auto run = runCli({"landmarks", "--image", test::samplePath("astronaut.jpg"), "--out", out});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("1 face") != std::string::npos);
    EXPECT(normalisedError(readPts(out), readPts(test::samplePath("astronaut.jpg.landmarks.pts"))) < 0.04);

    const std::string second = test::tempPath("second.pts");
    run = runCli({"landmarks", "--image", test::samplePath("dlib-2009_004587.jpg"), "--out", second, "--face", "1"});
    EXPECT_EQ(run.code, 0);
    EXPECT(run.out.find("2 faces") != std::string::npos);
    EXPECT(normalisedError(readPts(second), readPts(test::samplePath("dlib-2009_004587.jpg.face1.landmarks.pts"))) <
           0.06);

    const std::string never = test::tempPath("never.pts");
    run = runCli({"landmarks", "--image", test::samplePath("astronaut.jpg"), "--out", never, "--face", "3"});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT(run.err.find("no face 3") != std::string::npos);
    EXPECT(!std::filesystem::exists(never));

    const std::string dot = test::tempPath("dot.png");
    image::saveImage(dot, cv::Mat(1, 1, CV_8UC3, cv::Scalar(0, 0, 0)));
    run = runCli({"landmarks", "--image", dot, "--out", never});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT(run.err.find("1 x 1") != std::string::npos);
    EXPECT(!std::filesystem::exists(never));

    const std::string wall = test::tempPath("wall.png");
    image::saveImage(wall, cv::Mat(120, 160, CV_8UC3, cv::Scalar(90, 120, 150)));
    run = runCli({"landmarks", "--image", wall, "--out", never});
    EXPECT_EQ(run.code, cli::kExitFailure);
    EXPECT(run.err.find("no face found") != std::string::npos);

    EXPECT_EQ(runCli({"landmarks", "--image", test::samplePath("astronaut.jpg")}).code, cli::kExitUsage);
    EXPECT_EQ(runCli({"landmarks", "--image", test::samplePath("astronaut.jpg"), "--out", never, "--face", "-1"}).code,
              cli::kExitUsage);
}
