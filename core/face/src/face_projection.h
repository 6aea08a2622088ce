#pragma once
// Internal to the face model: the head rotation and the pinhole projection, shared by projection and fitting.
#include "marionette/face/face_parameters.h"

#include <Eigen/Core>

namespace marionette::face::detail {

constexpr double kPi = 3.14159265358979323846;
inline double radians(double degrees) { return degrees * kPi / 180.0; }
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

}  // namespace marionette::face::detail
