#pragma once
// The face side of a portrait edit, shared by the editor and `marionette-cli portrait`, without tensors: find
// the face (dlib, largest first), fit the morphable model to its 68 landmarks, turn edited parameters (head
// pose, expressions) into target landmarks, and the face's crop. Synthesis is PortraitSession's
// (portrait_session.h); paste-back is the body round trip's (round_trip.h: composite, pasteBackAlpha).
//
//   const auto face = edit::findPortraitFace(photo, "photo.jpg");      // detect + fit (tens of ms after dlib loads)
//   face::FaceParameters edited = face.fitted;
//   edited.pose.yaw = 15;
//   edit::setExpressionByName(edited, face::MorphableModel::standard(), "smile", 0.6);
//   const face::FaceLandmarks target = edit::portraitLandmarks(face, edited);
#include "marionette/edit/round_trip.h"
#include "marionette/face/face_parameters.h"
#include "marionette/face/landmarks.h"
#include "marionette/face/morphable_model.h"
#include "marionette/util/geometry.h"

#include <opencv2/core.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace marionette::face {
struct FaceFit;
}

namespace marionette::edit {

// The editor opens a photo in portrait mode when its largest face's detector box covers at least this
// fraction of the photo's area: a head-and-shoulders photo (the bundled astronaut.jpg: 0.031; a passport photo:
// about 0.2) does, a person seen whole does not (the body sample messi5.jpg: 0.008).
constexpr double kPortraitModeFaceFraction = 0.02;

// A photo's face under the morphable model: what every edit of it starts from.
struct PortraitFace {
    face::FaceLandmarks observed;              // photo pixels: dlib's, or a saved edit's
    face::FaceParameters fitted;               // the model fitted to them
    std::shared_ptr<const face::FaceFit> fit;  // camera and per-point residuals (face_fit.h)
    Box faceBox;                               // the detector's box, or the landmarks' bounds
    int faceIndex = 0;                         // 0: the largest face of the photo
    int faceCount = 1;
    double rmsResidual = 0.0;  // pixels: how far the model's projection is from the landmarks
    double fitMilliseconds = 0.0;
};

// Detects the faces of `photo` (8-bit BGR) with dlib's shared detector and fits face `faceIndex` (0: the
// largest). Throws marionette::Error naming `sourceName` when there is no face, fewer faces than asked for,
// the face is too small for 68 landmarks, or the photo is too small to hold a face.
PortraitFace findPortraitFace(const cv::Mat& photo, const std::string& sourceName, int faceIndex = 0);
// Fits the model to landmarks that are already known (a saved edit, a .pts file).
PortraitFace fitPortraitFace(const face::FaceLandmarks& observed, ImageSize photo, int faceIndex = 0,
                             int faceCount = 1);

// The target landmarks for edited parameters: their projection plus the fit's residuals, so the person's own
// face shape stays. Throws marionette::Error naming the value when a parameter is outside its range.
face::FaceLandmarks portraitLandmarks(const PortraitFace& face, const face::FaceParameters& edited);
// The same plus per-landmark offsets (the editor's landmark drags), photo pixels.
face::FaceLandmarks portraitLandmarks(const PortraitFace& face, const face::FaceParameters& edited,
                                      const std::array<Point2, face::kLandmarkCount>& offsets);

// The fraction of the photo's area the face's box covers, and whether that makes the photo a portrait.
double faceFillFraction(const Box& faceBox, ImageSize photo);
bool looksLikePortrait(const Box& faceBox, ImageSize photo);

// The face's crop: a box of the canvas's aspect ratio around the reference landmarks with image::kFaceCropPadding
// margin. It depends on the reference only, so the engine's reference cache holds for every edit of the face.
Box portraitCropBox(const face::FaceLandmarks& reference, ImageSize photo, ImageSize canvas);

// Where an edited face may be on the canvas of `box`: the hull of both sets of 68 landmarks with the brows
// raised by 0.6 of the face's height for the forehead, grown by 0.12 of its width and feathered (float
// weights, 1 = synthesis). Pasting only there keeps the photo's hair ends, collar and background sharp.
cv::Mat faceRegion(const face::FaceLandmarks& reference, const face::FaceLandmarks& target, const Box& box,
                   ImageSize canvas);

// Only the parts of the face whose landmarks moved (by more than 1% of the face's width): each part's hull
// where it was and where it goes, grown by 8% of the face's width for the skin it pulls, and feathered; the
// whole faceRegion when the jaw line moved (the head turned or the face changed shape); empty (all zero)
// when nothing moved. An edit of the mouth keeps the photo's own eyes.
cv::Mat movedFaceRegion(const face::FaceLandmarks& reference, const face::FaceLandmarks& target, const Box& box,
                        ImageSize canvas);

// The paste-back weights of a portrait edit: movedFaceRegion, faceRegion (PasteExtent::Person: the whole face)
// or empty (the whole crop).
cv::Mat portraitPasteRegion(PasteExtent extent, const face::FaceLandmarks& reference, const face::FaceLandmarks& target,
                            const Box& box, ImageSize canvas);

// Expressions that come in left/right pairs ("smile_left", "smile_right"), named by their common stem ("smile"):
// the CLI accepts the stem for both sides, and the editor's link toggle moves both sliders together.
struct ExpressionPair {
    std::string stem;
    int left = 0;  // index into the model's expressions
    int right = 0;
};
std::vector<ExpressionPair> expressionPairs(const face::MorphableModel& model);
// The index of the other side of expression `index`, or -1 when it has none.
int pairedExpression(const face::MorphableModel& model, int index);

// Sets a model expression, or both sides of a pair by its stem. Throws marionette::Error listing the valid
// names for an unknown name, and naming the range for a value outside it.
void setExpressionByName(face::FaceParameters& parameters, const face::MorphableModel& model, const std::string& name,
                         double value);
// "smile=0.6,jaw_open=0.2" applied with setExpressionByName; `what` names the option in errors.
void applyExpressionList(face::FaceParameters& parameters, const face::MorphableModel& model, const std::string& list,
                         const std::string& what);

// A face preset (face parameters JSON, usually naming a few expressions) applied to `current`: the preset's
// values replace the current ones, expressions it does not name return to 0, head pose and identity stay
// unless it names them. Throws marionette::Error naming `sourceName` for a bad file or value.
face::FaceParameters applyFacePreset(const std::string& json, const std::string& sourceName,
                                     const face::FaceParameters& current, const face::MorphableModel& model);

}  // namespace marionette::edit
