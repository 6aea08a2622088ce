#pragma once
// Internal to the face model: the head rotation and the pinhole projection, shared by projection and fitting.
#include "marionette/face/face_parameters.h"
#include "marionette/util/geometry.h"

#include <Eigen/Core>

#include <vector>

namespace marionette::face::detail {

using marionette::radians;
inline double degrees(double radians) { return radians * 180.0 / kPi; }

// R = Rz(roll) Rx(pitch) Ry(yaw), angles in radians (see HeadPose for the directions).
Eigen::Matrix3d headRotation(double yaw, double pitch, double roll);
// The inverse of headRotation for a rotation matrix: yaw, pitch, roll in radians.
Eigen::Vector3d headAngles(const Eigen::Matrix3d& rotation);

// Shape as 3 x N centimetres -> 2 x N photo pixels. The camera sits focal / scale centimetres in front of
// the face's centre, which projects to (x, y).
Eigen::Matrix2Xd projectShape(const Eigen::Matrix3Xd& shape, const Eigen::Matrix3d& rotation, double x, double y,
                              double scale, const FaceCamera& camera);

Eigen::Matrix3Xd toMatrix(const Shape3& shape);

// The model as matrices, for projecting many times.
struct ModelMatrices {
    explicit ModelMatrices(const MorphableModel& model);

    // mean + identity and expression displacements; coefficients: identity then expressions.
    Eigen::Matrix3Xd shape(const double* coefficients) const;

    Eigen::Matrix3Xd mean;
    std::vector<Eigen::Matrix3Xd> basis;  // identity, then expressions
    std::vector<int> contourLandmarks;
    std::vector<Eigen::Matrix3Xd> contourCandidates;  // 3 x K, mean-shape coordinates
};

// Moves each jaw landmark with a contour line onto the face's silhouette for this yaw and pitch (radians): the
// candidate furthest out once the face is turned, as a soft maximum (0.15 cm wide) so that the fit stays smooth.
// The landmark keeps its identity and expression displacement.
void slideContour(Eigen::Matrix3Xd& shape, const ModelMatrices& model, double yaw, double pitch);

// The whole chain: coefficients and pose (angles in radians) to photo pixels.
Eigen::Matrix2Xd projectModel(const ModelMatrices& model, const double* coefficients, double yaw, double pitch,
                              double roll, double x, double y, double scale, const FaceCamera& camera);

}  // namespace marionette::face::detail
