#pragma once
// Fitting the morphable model to 68 landmarks (Levenberg-Marquardt over pose, identity and expression, with
// Gaussian priors on the coefficients, from a closed-form scaled-orthographic pose), and editing: the edited
// landmarks are the projection of the edited parameters plus the residuals of the fit, so the person's own face
// shape, which the small model cannot express, is kept.
#include "marionette/face/face_parameters.h"
#include "marionette/face/landmarks.h"
#include "marionette/face/morphable_model.h"
#include "marionette/util/geometry.h"

#include <torch/types.h>

#include <array>

namespace marionette::face {

struct FitOptions {
    // Landmark noise as a fraction of the face's size (the square root of the landmarks' box area); the jaw
    // contour, which slides over the face as it turns, counts as jawNoiseFactor times noisier.
    double landmarkNoise = 0.03;
    double jawNoiseFactor = 2.0;
    bool fitIdentity = true;
    bool fitExpression = true;
    int maxIterations = 100;
};

struct FaceFit {
    FaceParameters parameters;
    FaceCamera camera;
    FaceLandmarks observed;
    std::array<Point2, kLandmarkCount> residuals{};  // observed - projection of parameters, photo pixels
    double rmsResidual = 0.0;                        // pixels
    int iterations = 0;
};

// Throws marionette::Error when the landmarks are degenerate (all on a line or a point) or not finite.
FaceFit fitFace(const MorphableModel& model, const FaceLandmarks& observed, const FaceCamera& camera,
                const FitOptions& options = {});

// Projection of `edited` (checked against the model's ranges) plus the fit's residuals, photo pixels.
FaceLandmarks editedLandmarks(const MorphableModel& model, const FaceFit& fit, const FaceParameters& edited);

// The network's face semantics for an edit (docs/model.md: P = 9 part maps), [9, canvas height, canvas width]:
// the edited landmarks mapped onto the canvas by `toCanvas`. Keep `toCanvas` fixed while editing (choose it from
// the observed landmarks) so that the canvas does not follow the edit.
torch::Tensor renderEditedPartMaps(const MorphableModel& model, const FaceFit& fit, const FaceParameters& edited,
                                   const BoxToCanvas& toCanvas);

}  // namespace marionette::face
