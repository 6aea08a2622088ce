#include "marionette/face_detect/face_detector.h"

#include "marionette/util/error.h"
#include "marionette/util/log.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/opencv/cv_image.h>
#include <dlib/serialize.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>

#ifndef MARIONETTE_DLIB_LANDMARKS_DEFAULT
#define MARIONETTE_DLIB_LANDMARKS_DEFAULT ""
#endif

namespace marionette::face_detect {
namespace {

constexpr const char* kPredictorVariable = "MARIONETTE_DLIB_LANDMARKS";

std::string sizeText(int width, int height) { return std::to_string(width) + " x " + std::to_string(height); }

// How much the photo is resized for the search (see kSearchLongSide), and the smallest face that finds.
double searchZoom(ImageSize photo) {
    return std::min(kMaxSearchZoom, static_cast<double>(kSearchLongSide) / std::max(photo.width, photo.height));
}
constexpr double kDetectorWindow = 80.0;

cv::Mat toBgr(const cv::Mat& photo, const std::string& sourceName) {
    if (photo.depth() != CV_8U) throwFileError(sourceName, "face detection needs an 8-bit image");
    if (photo.channels() == 3) return photo;
    cv::Mat bgr;
    if (photo.channels() == 1) {
        cv::cvtColor(photo, bgr, cv::COLOR_GRAY2BGR);
    } else if (photo.channels() == 4) {
        cv::cvtColor(photo, bgr, cv::COLOR_BGRA2BGR);
    } else {
        throwFileError(sourceName, "face detection needs a grey, BGR or BGRA image, not " +
                                       std::to_string(photo.channels()) + " channels");
    }
    return bgr;
}

}  // namespace

struct FaceDetector::Dlib {
    dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
    dlib::shape_predictor predictor;
};

std::string defaultPredictorPath() {
    if (const char* fromEnvironment = std::getenv(kPredictorVariable); fromEnvironment && *fromEnvironment)
        return fromEnvironment;
    return MARIONETTE_DLIB_LANDMARKS_DEFAULT;
}

FaceDetector::FaceDetector(const std::string& predictorPath)
    : m_predictorPath(predictorPath), m_dlib(std::make_unique<Dlib>()) {
    const std::string howToFix = std::string("install Debian's libdlib-data, or set ") + kPredictorVariable +
                                 " to the path of shape_predictor_68_face_landmarks.dat";
    if (predictorPath.empty()) throw Error("dlib's 68-point landmark model was not found at build time: " + howToFix);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(predictorPath, ec))
        throwFileError(predictorPath, "dlib's 68-point landmark model is not there: " + howToFix);
    const auto start = std::chrono::steady_clock::now();
    try {
        dlib::deserialize(predictorPath) >> m_dlib->predictor;
    } catch (const std::exception& e) {
        throwFileError(predictorPath, std::string("is not a dlib shape predictor (") + e.what() + "): " + howToFix);
    }
    if (m_dlib->predictor.num_parts() != static_cast<unsigned long>(face::kLandmarkCount)) {
        throwFileError(predictorPath, "is a shape predictor for " + std::to_string(m_dlib->predictor.num_parts()) +
                                          " points, not the 68-point iBUG layout");
    }
    log::debug("loaded dlib's landmark model ", predictorPath, " in ",
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(), " ms");
}

FaceDetector::~FaceDetector() = default;

std::shared_ptr<FaceDetector> FaceDetector::shared(const std::string& predictorPath) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<FaceDetector>> loaded;
    const std::lock_guard<std::mutex> lock(mutex);
    auto& slot = loaded[predictorPath];
    if (!slot) slot = std::make_shared<FaceDetector>(predictorPath);
    return slot;
}

std::vector<DetectedFace> FaceDetector::detectAll(const cv::Mat& photo, const std::string& sourceName) {
    if (photo.empty()) throwFileError(sourceName, "the image is empty");
    if (photo.cols < kMinFaceSize || photo.rows < kMinFaceSize) {
        throwFileError(sourceName, "the image is only " + sizeText(photo.cols, photo.rows) +
                                       " pixels; a face needs at least " + sizeText(kMinFaceSize, kMinFaceSize));
    }
    const cv::Mat bgr = toBgr(photo, sourceName);

    // Search at a size where the detector's 80-pixel window matches the faces worth finding (see header).
    const double zoom = searchZoom({bgr.cols, bgr.rows});
    cv::Mat searched = bgr;
    if (std::abs(zoom - 1.0) > 1e-3) {
        cv::resize(bgr, searched, cv::Size(), zoom, zoom, zoom < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    }

    const std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<dlib::rect_detection> found;
    m_dlib->detector(dlib::cv_image<dlib::bgr_pixel>(searched), found, kMinConfidence);

    const dlib::cv_image<dlib::bgr_pixel> original(bgr);
    const float maxX = static_cast<float>(bgr.cols - 1), maxY = static_cast<float>(bgr.rows - 1);
    std::vector<DetectedFace> faces;
    for (const auto& d : found) {
        DetectedFace face;
        face.confidence = d.detection_confidence;
        face.box = {d.rect.left() / zoom, d.rect.top() / zoom, d.rect.width() / zoom, d.rect.height() / zoom};
        const dlib::rectangle box(std::lround(face.box.x), std::lround(face.box.y), std::lround(face.box.right()) - 1,
                                  std::lround(face.box.bottom()) - 1);
        const dlib::full_object_detection shape = m_dlib->predictor(original, box);
        for (int i = 0; i < face::kLandmarkCount; ++i) {
            const dlib::point p = shape.part(static_cast<unsigned long>(i));
            // The jaw of a face at the photo's edge can be predicted just outside it.
            face.landmarks.points[static_cast<std::size_t>(i)] = {std::clamp(static_cast<float>(p.x()), 0.f, maxX),
                                                                  std::clamp(static_cast<float>(p.y()), 0.f, maxY)};
        }
        faces.push_back(face);
    }
    std::stable_sort(faces.begin(), faces.end(), [](const DetectedFace& a, const DetectedFace& b) {
        return a.box.width * a.box.height > b.box.width * b.box.height;
    });
    return faces;
}

DetectedFace FaceDetector::detect(const cv::Mat& photo, const std::string& sourceName, int index) {
    return pickFace(detectAll(photo, sourceName), index, {photo.cols, photo.rows}, sourceName);
}

DetectedFace pickFace(const std::vector<DetectedFace>& faces, int index, ImageSize photo,
                      const std::string& sourceName) {
    if (faces.empty()) {
        const int smallest = static_cast<int>(std::ceil(kDetectorWindow / searchZoom(photo)));
        throwFileError(sourceName, "no face found (searched for frontal faces at least " + std::to_string(smallest) +
                                       " pixels wide, turned less than about 30 degrees)");
    }
    if (index < 0 || index >= static_cast<int>(faces.size())) {
        throwFileError(sourceName, "has " + std::to_string(faces.size()) + (faces.size() == 1 ? " face" : " faces") +
                                       "; there is no face " + std::to_string(index) +
                                       " (faces count from 0, largest first)");
    }
    const DetectedFace& face = faces[static_cast<std::size_t>(index)];
    if (face.box.width < kMinFaceSize) {
        throwFileError(sourceName, "face " + std::to_string(index) + " is only " +
                                       std::to_string(static_cast<int>(std::lround(face.box.width))) +
                                       " pixels wide; landmarks need a face at least " + std::to_string(kMinFaceSize) +
                                       " pixels wide: use a larger photo or a closer crop");
    }
    return face;
}

}  // namespace marionette::face_detect
