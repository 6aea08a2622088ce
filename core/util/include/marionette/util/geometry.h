#pragma once
// Plain 2D types shared by pose, face and image code. Coordinates are pixels of the image they belong to,
// x to the right, y down, integer values at pixel centres (the OpenPose and iBUG convention).
#include <algorithm>
#include <cmath>

namespace marionette {

inline constexpr double kPi = 3.14159265358979323846;

constexpr double radians(double degrees) { return degrees * kPi / 180.0; }

struct Point2 {
    float x = 0.f;
    float y = 0.f;
};

inline bool isFinite(const Point2& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Euclidean distance from p to the segment ab (to a itself when a == b).
inline double distanceToSegment(const Point2& p, const Point2& a, const Point2& b) {
    const double abx = b.x - a.x, aby = b.y - a.y, apx = p.x - a.x, apy = p.y - a.y;
    const double length2 = abx * abx + aby * aby;
    const double t = length2 > 0 ? std::clamp((apx * abx + apy * aby) / length2, 0.0, 1.0) : 0.0;
    return std::hypot(apx - t * abx, apy - t * aby);
}

// A size in whole pixels.
struct ImageSize {
    int width = 0;
    int height = 0;
};

// An axis-aligned box: left, top, width, height.
struct Box {
    double x = 0.0;
    double y = 0.0;
    double width = 0.0;
    double height = 0.0;

    double right() const { return x + width; }
    double bottom() const { return y + height; }
    bool empty() const { return !(width > 0.0 && height > 0.0); }
};

// Maps points of a source box onto a canvas of canvasWidth x canvasHeight pixels (a crop then a resize).
// Pixel centres map to pixel centres: canvas = (p - box.origin + 0.5) * scale - 0.5.
struct BoxToCanvas {
    Box box;
    int canvasWidth = 0;
    int canvasHeight = 0;

    double scaleX() const { return canvasWidth / box.width; }
    double scaleY() const { return canvasHeight / box.height; }
    Point2 toCanvas(const Point2& p) const {
        return {static_cast<float>((p.x - box.x + 0.5) * scaleX() - 0.5),
                static_cast<float>((p.y - box.y + 0.5) * scaleY() - 0.5)};
    }
    Point2 fromCanvas(const Point2& p) const {
        return {static_cast<float>((p.x + 0.5) / scaleX() + box.x - 0.5),
                static_cast<float>((p.y + 0.5) / scaleY() + box.y - 0.5)};
    }
};

}  // namespace marionette
