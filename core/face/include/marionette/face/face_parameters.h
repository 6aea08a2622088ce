#pragma once
// The parameters of a face under the morphable model (morphable_model.h): a rigid head pose and the identity
// and expression coefficients; a pinhole camera; the projection of the model's 68 points into the photo; and
// the parameters as JSON (what presets and the editor's sliders store), with every value range-checked.
#include "marionette/face/landmarks.h"
#include "marionette/face/morphable_model.h"
#include "marionette/util/geometry.h"

#include <string>
#include <vector>

namespace marionette::face {

// Head pose limits (degrees): beyond them 68-point landmarks no longer describe a face.
constexpr double kMaxYawDegrees = 90.0;
constexpr double kMaxPitchDegrees = 60.0;
constexpr double kMaxRollDegrees = 90.0;

// The head's rotation is R = Rz(roll) Rx(pitch) Ry(yaw) in the model's frame (x right, y up, z towards the
// camera), about the centre of the face (the model's origin).
struct HeadPose {
    double yaw = 0.0;    // degrees; > 0 turns the face towards the image's right (the person's left)
    double pitch = 0.0;  // degrees; > 0 tilts the chin up
    double roll = 0.0;   // degrees; > 0 tilts the head counter-clockwise in the image
    double x = 0.0;      // where the centre of the face projects, photo pixels
    double y = 0.0;
    double scale = 1.0;  // photo pixels per centimetre at the depth of the face's centre (> 0)
};

struct FaceParameters {
    HeadPose pose;
    std::vector<double> identity;    // one coefficient per identity component of the model
    std::vector<double> expression;  // one per expression, in the model's order

    // The model's mean face, frontal, all coefficients 0, at the given pose.
    static FaceParameters neutral(const MorphableModel& model, const HeadPose& pose = {});
    double expressionValue(const MorphableModel& model, const std::string& name) const;
    void setExpression(const MorphableModel& model, const std::string& name, double value);
};

// A pinhole camera looking along the photo's normal. The face's distance from the camera follows from the
// scale: distance = focal / scale centimetres, so a face that fills the photo shows more perspective.
struct FaceCamera {
    double focal = 1.0;  // pixels
    double cx = 0.0;     // principal point, pixels
    double cy = 0.0;
};

// A photo's camera when nothing better is known: the principal point at the photo's centre and a focal length
// of 1.4 times its longer side (a 50 mm lens on a full-frame camera).
FaceCamera defaultCamera(ImageSize photo);

// Throws marionette::Error ("<what>: expression \"smile_left\" is 1.5, outside its range 0 to 1") when a value
// is not finite, outside its range, or the coefficient counts do not match the model.
void checkParameters(const FaceParameters& parameters, const MorphableModel& model, const std::string& what);

// The 68 model points for these parameters, in photo pixels (not clamped to the photo).
FaceLandmarks project(const MorphableModel& model, const FaceParameters& parameters, const FaceCamera& camera);

// {"format": "marionette.face_parameters", "version": 1,
//  "pose": {"yaw": 0, "pitch": 0, "roll": 0, "x": 320, "y": 240, "scale": 12},
//  "identity": {"face_width": 0.2, ...}, "expression": {"smile_left": 0.6, ...}}
std::string parametersToJson(const FaceParameters& parameters, const MorphableModel& model);
// Reads such JSON over `base`: every field is optional and replaces the base's value, so a preset may name a
// few expressions only. Unknown names, values that are not numbers and values out of range are errors that
// name `sourceName` and the value.
FaceParameters parametersFromJson(const std::string& text, const MorphableModel& model, const std::string& sourceName,
                                  const FaceParameters& base);

}  // namespace marionette::face
