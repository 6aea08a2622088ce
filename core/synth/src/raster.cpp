#include "raster.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace marionette::synth::detail {

using torch::indexing::Slice;

double length(Vec2 a) { return std::sqrt(a.x * a.x + a.y * a.y); }
Vec2 unit(Vec2 a, Vec2 fallback) {
    const double n = length(a);
    return n > 1e-9 ? a * (1.0 / n) : fallback;
}
Vec2 lerp(Vec2 a, Vec2 b, double t) { return a + (b - a) * t; }

Window intersect(const Window& window, const Window& box) {
    Window w;
    w.x0 = std::max(window.x0, box.x0);
    w.y0 = std::max(window.y0, box.y0);
    w.x1 = std::min(window.x1, box.x1);
    w.y1 = std::min(window.y1, box.y1);
    if (w.empty()) return Window{};
    w.xs = window.xs.narrow(1, w.x0 - window.x0, w.x1 - w.x0);
    w.ys = window.ys.narrow(0, w.y0 - window.y0, w.y1 - w.y0);
    return w;
}

torch::Tensor crop(const torch::Tensor& overWindow, const Window& window, const Window& part) {
    const int64_t rows = overWindow.dim() - 2, cols = overWindow.dim() - 1;
    return overWindow.narrow(rows, part.y0 - window.y0, part.y1 - part.y0)
        .narrow(cols, part.x0 - window.x0, part.x1 - part.x0);
}

IntraOpThreads::IntraOpThreads(int threads)
    : m_previous(at::get_num_threads()), m_changed(threads > 0 && threads != m_previous) {
    if (m_changed) at::set_num_threads(threads);
}
IntraOpThreads::~IntraOpThreads() {
    if (m_changed) at::set_num_threads(m_previous);
}

LocalCoords toLocal(const Window& w, Vec2 origin, Vec2 axis) {
    const auto dx = w.xs - origin.x;  // [1, w]
    const auto dy = w.ys - origin.y;  // [h, 1]
    const Vec2 n = perpendicular(axis);
    return {dx * n.x + dy * n.y, dx * axis.x + dy * axis.y};
}

Canvas::Canvas(int height, int width, const torch::Device& device)
    : image(torch::zeros({3, height, width}, torch::TensorOptions(torch::kFloat32).device(device))),
      personMask(torch::zeros({1, height, width}, torch::TensorOptions(torch::kFloat32).device(device))),
      m_height(height),
      m_width(width),
      m_device(device) {}

Canvas::Canvas(const torch::Tensor& background)
    : image(background.to(torch::kFloat32).clone()),
      personMask(torch::zeros({1, background.size(1), background.size(2)}, image.options())),
      m_height(static_cast<int>(background.size(1))),
      m_width(static_cast<int>(background.size(2))),
      m_device(background.device()) {}

Window Canvas::window(double left, double top, double right, double bottom) const {
    Window w;
    w.x0 = std::clamp(static_cast<int>(std::floor(left - 1.0)), 0, m_width);
    w.y0 = std::clamp(static_cast<int>(std::floor(top - 1.0)), 0, m_height);
    w.x1 = std::clamp(static_cast<int>(std::ceil(right + 2.0)), 0, m_width);
    w.y1 = std::clamp(static_cast<int>(std::ceil(bottom + 2.0)), 0, m_height);
    if (w.empty()) return w;
    const auto f32 = torch::TensorOptions(torch::kFloat32).device(m_device);
    w.xs = torch::arange(w.x0, w.x1, f32).view({1, -1});
    w.ys = torch::arange(w.y0, w.y1, f32).view({-1, 1});
    return w;
}

void Canvas::paint(const Window& w, const torch::Tensor& colour, const torch::Tensor& alpha, bool person) {
    if (w.empty()) return;
    auto region = image.index({Slice(), Slice(w.y0, w.y1), Slice(w.x0, w.x1)});
    region.lerp_(colour.expand_as(region), alpha.unsqueeze(0));
    if (person) {
        auto mask = personMask.index({Slice(), Slice(w.y0, w.y1), Slice(w.x0, w.x1)});
        mask.lerp_(torch::ones_like(mask), alpha.unsqueeze(0));
    }
}

torch::Tensor colourTensor(double r, double g, double b, const torch::Device& device) {
    return torch::tensor({static_cast<float>(r), static_cast<float>(g), static_cast<float>(b)},
                         torch::TensorOptions(torch::kFloat32))
        .view({3, 1, 1})
        .to(device);
}

torch::Tensor coverage(const torch::Tensor& sdf) { return (0.5 - sdf).clamp(0.0, 1.0); }

torch::Tensor smoothstep(double edge0, double edge1, const torch::Tensor& x) {
    const auto t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    return t * t * (3.0 - 2.0 * t);
}

torch::Tensor sdTaperedCapsule(const LocalCoords& p, double r1, double r2, double length) {
    // Inigo Quilez's 2D uneven capsule; the segment must be longer than the difference of the radii.
    const double h = std::max(length, std::abs(r1 - r2) + 1e-3);
    const double b = (r1 - r2) / h;
    const double a = std::sqrt(1.0 - b * b);
    const auto x = p.across.abs();
    const auto& y = p.along;
    const auto k = x * (-b) + y * a;
    const auto nearStart = torch::sqrt(x * x + y * y) - r1;
    const auto nearEnd = torch::sqrt(x * x + (y - h).square()) - r2;
    const auto side = x * a + y * b - r1;
    return torch::where(k < 0.0, nearStart, torch::where(k > a * h, nearEnd, side));
}

torch::Tensor sdTrapezoid(const LocalCoords& p, double bottomHalf, double topHalf, double halfHeight) {
    // Inigo Quilez's isosceles trapezoid, exact.
    const auto px = p.across.abs();
    const auto& py = p.along;
    const auto capHalf = torch::where(py < 0.0, torch::full_like(py, bottomHalf), torch::full_like(py, topHalf));
    const auto caX = px - torch::minimum(px, capHalf);
    const auto caY = py.abs() - halfHeight;
    const double k2x = topHalf - bottomHalf, k2y = 2.0 * halfHeight;
    const auto t = (((topHalf - px) * k2x + (halfHeight - py) * k2y) / (k2x * k2x + k2y * k2y)).clamp(0.0, 1.0);
    const auto cbX = px - topHalf + t * k2x;
    const auto cbY = py - halfHeight + t * k2y;
    const auto sign =
        torch::where((cbX < 0.0).logical_and(caY < 0.0), torch::full_like(px, -1.0), torch::ones_like(px));
    return sign * torch::sqrt(torch::minimum(caX * caX + caY * caY, cbX * cbX + cbY * cbY));
}

torch::Tensor sdEllipse(const LocalCoords& p, double rAcross, double rAlong) {
    // First-order distance f / |grad f| of f = |p / r| - 1: exact on the boundary, good near it.
    const auto qx = p.across / rAcross, qy = p.along / rAlong;
    const auto k0 = torch::sqrt(qx * qx + qy * qy);
    const auto k1 = torch::sqrt((qx / rAcross).square() + (qy / rAlong).square()).clamp_min(1e-6);
    return k0 * (k0 - 1.0) / k1;
}

namespace {

// Per-edge tensors [N, 1, 1] of a polyline's segments a -> b.
struct Segments {
    torch::Tensor ax, ay, ex, ey;
};
Segments segmentsOf(const std::vector<Vec2>& pts, bool closed, const torch::Device& device) {
    const std::size_t n = closed ? pts.size() : pts.size() - 1;
    std::vector<float> ax, ay, ex, ey;
    for (std::size_t i = 0; i < n; ++i) {
        const Vec2 a = pts[i], b = pts[(i + 1) % pts.size()];
        ax.push_back(static_cast<float>(a.x));
        ay.push_back(static_cast<float>(a.y));
        ex.push_back(static_cast<float>(b.x - a.x));
        ey.push_back(static_cast<float>(b.y - a.y));
    }
    auto make = [&](const std::vector<float>& v) {
        return torch::tensor(v, torch::kFloat32).view({static_cast<int64_t>(v.size()), 1, 1}).to(device);
    };
    return {make(ax), make(ay), make(ex), make(ey)};
}

}  // namespace

torch::Tensor distanceToPolyline(const Window& w, const std::vector<Vec2>& points, bool closed) {
    if (points.size() == 1) return torch::sqrt((w.xs - points[0].x).square() + (w.ys - points[0].y).square());
    const Segments s = segmentsOf(points, closed, w.xs.device());
    const auto wx = w.xs.unsqueeze(0) - s.ax, wy = w.ys.unsqueeze(0) - s.ay;  // [N, h, w]
    const auto t = ((wx * s.ex + wy * s.ey) / (s.ex * s.ex + s.ey * s.ey).clamp_min(1e-9)).clamp(0.0, 1.0);
    const auto d2 = (wx - s.ex * t).square() + (wy - s.ey * t).square();
    return torch::sqrt(std::get<0>(d2.min(0)));
}

torch::Tensor sdPolygon(const Window& w, const std::vector<Vec2>& vertices) {
    const auto distance = distanceToPolyline(w, vertices, true);
    // Inside test by counting crossings (Inigo Quilez's sdPolygon).
    const Segments s = segmentsOf(vertices, true, w.xs.device());
    const auto wx = w.xs.unsqueeze(0) - s.ax, wy = w.ys.unsqueeze(0) - s.ay;
    const auto py = w.ys.unsqueeze(0);
    const auto c1 = py >= s.ay;
    const auto c2 = py < s.ay + s.ey;
    const auto c3 = s.ex * wy > s.ey * wx;
    const auto flips = (c1.logical_and(c2).logical_and(c3))
                           .logical_or(c1.logical_not().logical_and(c2.logical_not()).logical_and(c3.logical_not()));
    const auto inside = flips.sum(0).remainder(2) == 1;
    return torch::where(inside, -distance, distance);
}

torch::Tensor sdUnion(const torch::Tensor& a, const torch::Tensor& b) { return torch::minimum(a, b); }
torch::Tensor sdIntersection(const torch::Tensor& a, const torch::Tensor& b) { return torch::maximum(a, b); }

}  // namespace marionette::synth::detail
