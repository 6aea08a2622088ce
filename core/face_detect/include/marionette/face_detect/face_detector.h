#pragma once
// Faces and their 68 iBUG landmarks in a photo, with dlib: its HOG frontal face detector and its 68-point
// shape predictor (shape_predictor_68_face_landmarks.dat from Debian's libdlib-data, about 100 MB; trained
// on iBUG 300-W, whose licence excludes commercial use). Nothing is downloaded.
#include "marionette/face/landmarks.h"
#include "marionette/util/geometry.h"

#include <opencv2/core.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace marionette::face_detect {

// A face narrower than this many photo pixels has too little detail for 68 landmarks: it is refused.
constexpr int kMinFaceSize = 40;
// The detector's window is 80 x 80 pixels. The photo is searched resized so that its longer side is at
// most this long (enlarged at most kMaxSearchZoom times), so small photos are searched for faces down to
// kMinFaceSize / 1.5 and large ones for faces down to 80 x longer side / kSearchLongSide pixels.
constexpr int kSearchLongSide = 1024;
constexpr double kMaxSearchZoom = 3.0;
// Detections scoring below this are dropped: they are mostly round things that are not faces (a mission
// badge on a space suit scores 0.09; real faces score 0.5 and more).
constexpr double kMinConfidence = 0.25;

struct DetectedFace {
    Box box;                        // the detector's square around the face, in photo pixels
    double confidence = 0.0;        // the detector's score (above 0; higher is surer)
    face::FaceLandmarks landmarks;  // in photo pixels, clamped to the photo
};

// dlib's 68-point model: the MARIONETTE_DLIB_LANDMARKS environment variable when set, else the file found
// when the project was configured.
std::string defaultPredictorPath();

// Face `index` (0: the largest) of the faces found in a photo of size `photo`. Throws marionette::Error,
// naming `sourceName`, when there is no face, fewer faces than asked for, or the face is smaller than
// kMinFaceSize.
DetectedFace pickFace(const std::vector<DetectedFace>& faces, int index, ImageSize photo,
                      const std::string& sourceName);

class FaceDetector {
public:
    // Loads the shape predictor (about a second). Throws marionette::Error naming the file when it is
    // missing or not a dlib shape predictor.
    explicit FaceDetector(const std::string& predictorPath = defaultPredictorPath());
    ~FaceDetector();
    FaceDetector(const FaceDetector&) = delete;
    FaceDetector& operator=(const FaceDetector&) = delete;

    // One detector per predictor file and process, loaded on first use and kept: reuse it.
    static std::shared_ptr<FaceDetector> shared(const std::string& predictorPath = defaultPredictorPath());

    // Every face found in an 8-bit BGR or grey photo, largest first, with its landmarks; empty when there is
    // none. Faces smaller than kMinFaceSize are listed too (detect() refuses them). Throws for an image too
    // small to hold a face. Safe to call from several threads (calls are serialised).
    std::vector<DetectedFace> detectAll(const cv::Mat& photo, const std::string& sourceName);

    // Face `index` of detectAll (0: the largest), checked by pickFace.
    DetectedFace detect(const cv::Mat& photo, const std::string& sourceName, int index = 0);

    const std::string& predictorPath() const { return m_predictorPath; }

private:
    struct Dlib;
    std::string m_predictorPath;
    std::unique_ptr<Dlib> m_dlib;
    std::mutex m_mutex;
};

}  // namespace marionette::face_detect
