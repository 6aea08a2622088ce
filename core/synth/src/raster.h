#pragma once
// Drawing with tensor ops (internal to core/synth): signed distances of simple shapes evaluated on windows
// of a canvas, anti-aliased coverage and painter's-order compositing. Coordinates are canvas pixels with
// integer values at pixel centres (the convention of pose::Pose and face::FaceLandmarks); a signed distance
// is negative inside a shape.
#include <torch/types.h>

#include <vector>

namespace marionette::synth::detail {

struct Vec2 {
    double x = 0.0, y = 0.0;
};
inline Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
inline Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
inline Vec2 operator*(Vec2 a, double s) { return {a.x * s, a.y * s}; }
double length(Vec2 a);
Vec2 unit(Vec2 a, Vec2 fallback = {0.0, 1.0});
inline Vec2 perpendicular(Vec2 a) { return {-a.y, a.x}; }
Vec2 lerp(Vec2 a, Vec2 b, double t);

// The pixel centres of a rectangle of the canvas, as broadcastable coordinate tensors.
struct Window {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // [x0, x1) x [y0, y1)
    torch::Tensor xs;                    // [1, w] float32
    torch::Tensor ys;                    // [h, 1] float32
    bool empty() const { return x1 <= x0 || y1 <= y0; }
};

// The part of `window` inside `box` (both windows of the same canvas); coordinates are views of window's.
Window intersect(const Window& window, const Window& box);
// The [.., h, w] part of a tensor laid out over `window` that covers `part` (part inside window): a view.
torch::Tensor crop(const torch::Tensor& overWindow, const Window& window, const Window& part);

// Coordinates in a frame whose origin is `origin` and whose second axis is the unit vector `axis`:
// along = (p - origin) . axis, across = (p - origin) . perpendicular(axis). [h, w] each.
struct LocalCoords {
    torch::Tensor across, along;
};
LocalCoords toLocal(const Window& window, Vec2 origin, Vec2 axis);

class Canvas {
public:
    Canvas(int height, int width, const torch::Device& device);
    Canvas(const torch::Tensor& background);  // [3, H, W] in [0, 1]; the canvas takes a copy

    int height() const { return m_height; }
    int width() const { return m_width; }
    const torch::Device& device() const { return m_device; }
    // The window covering [left, right] x [top, bottom] plus a pixel of anti-aliasing, clipped to the canvas.
    Window window(double left, double top, double right, double bottom) const;
    Window whole() const { return window(0, 0, m_width - 1, m_height - 1); }

    // canvas = lerp(canvas, colour, alpha) on the window; colour [3, h, w] or [3, 1, 1], alpha [h, w].
    // `person` adds alpha to the person mask.
    void paint(const Window& window, const torch::Tensor& colour, const torch::Tensor& alpha, bool person);

    torch::Tensor image;       // [3, H, W] RGB in [0, 1]
    torch::Tensor personMask;  // [1, H, W] in [0, 1]

private:
    int m_height, m_width;
    torch::Device m_device;
};

torch::Tensor colourTensor(double r, double g, double b, const torch::Device& device);  // [3, 1, 1]

// Runs the calling thread's tensor operations on `threads` intra-op threads until destroyed, then restores
// the previous count. Drawing is many operations on small tensors, which more threads only slow down:
// generate on one thread per generator and run generators in parallel instead.
class IntraOpThreads {
public:
    explicit IntraOpThreads(int threads);
    ~IntraOpThreads();
    IntraOpThreads(const IntraOpThreads&) = delete;
    IntraOpThreads& operator=(const IntraOpThreads&) = delete;

private:
    int m_previous;
    bool m_changed;
};

// Anti-aliased coverage of a shape from its signed distance: 1 inside, 0 outside, a 1-pixel ramp.
torch::Tensor coverage(const torch::Tensor& sdf);
// Smooth step of x from 0 at edge0 to 1 at edge1 (edge0 != edge1).
torch::Tensor smoothstep(double edge0, double edge1, const torch::Tensor& x);

// A capsule tapering from radius r1 at along = 0 to r2 at along = length (a 2D "uneven capsule").
torch::Tensor sdTaperedCapsule(const LocalCoords& p, double r1, double r2, double length);
// A trapezoid symmetric about across = 0: half-width `bottomHalf` at along = -halfHeight, `topHalf` at
// along = +halfHeight.
torch::Tensor sdTrapezoid(const LocalCoords& p, double bottomHalf, double topHalf, double halfHeight);
// An ellipse centred on the frame's origin with semi-axes rAcross, rAlong (approximate distance, exact on
// the boundary).
torch::Tensor sdEllipse(const LocalCoords& p, double rAcross, double rAlong);
// A closed polygon (any shape, vertices in order).
torch::Tensor sdPolygon(const Window& window, const std::vector<Vec2>& vertices);
// Distance to an open polyline (a stroke of half-width w has signed distance distance - w).
torch::Tensor distanceToPolyline(const Window& window, const std::vector<Vec2>& points, bool closed = false);

// Union and intersection of shapes.
torch::Tensor sdUnion(const torch::Tensor& a, const torch::Tensor& b);
torch::Tensor sdIntersection(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace marionette::synth::detail
