#pragma once
// 68 face landmarks in pixels of their image, and the iBUG `.pts` file format:
//   version: 1
//   n_points: 68
//   {
//   x y            (68 lines)
//   }
#include "marionette/face/layout.h"
#include "marionette/util/geometry.h"

#include <array>
#include <functional>
#include <string>

namespace marionette::face {

constexpr std::size_t kMaxPtsBytes = 1u << 20;

struct FaceLandmarks {
    std::array<Point2, kLandmarkCount> points{};

    Box bounds() const;
    FaceLandmarks mirrored(float axisX) const;  // about x = axisX, with left and right points swapped
    FaceLandmarks mapped(const std::function<Point2(Point2)>& f) const;  // every point moved by `f`
    bool operator==(const FaceLandmarks& other) const;
};

// Refuses NaN/inf, negative or huge coordinates: "<what>: landmark 36 (Right eye) ...".
void validate(const FaceLandmarks& landmarks, const std::string& what);

FaceLandmarks parsePts(const std::string& text, const std::string& sourceName);
FaceLandmarks readPts(const std::string& path);
std::string toPts(const FaceLandmarks& landmarks);
void writePts(const std::string& path, const FaceLandmarks& landmarks);  // atomic

}  // namespace marionette::face
