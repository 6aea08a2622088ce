#pragma once
// A 2D thin-plate spline: the smoothest map f: R^2 -> R^2 (least bending energy) that takes each control
// point to its value, f(p) = A [1, x, y] + sum_i w_i U(|p - c_i|) with U(r) = r^2 log r^2 (Bookstein 1989).
// The (N + 3) x (N + 3) system is solved with torch::linalg_solve in float64 on coordinates centred and
// scaled to about unit size, so the fit is exact at the control points to float precision.
#include "marionette/util/geometry.h"

#include <torch/types.h>

#include <vector>

namespace marionette::synth {

class ThinPlateSpline {
public:
    // Throws marionette::Error for fewer than 3 points, mismatched lists, non-finite coordinates, points that
    // coincide or all lie on one line. regularisation > 0 trades exactness for smoothness (0 interpolates).
    ThinPlateSpline(const std::vector<Point2>& controls, const std::vector<Point2>& values,
                    double regularisation = 0.0);

    // f at points [..., 2] (x, y) of any floating type and device; returns float64 [..., 2] on that device.
    torch::Tensor evaluate(const torch::Tensor& points) const;
    Point2 evaluate(Point2 point) const;
    // f at every pixel centre of a height x width image: [H, W, 2] float32 (x, y).
    torch::Tensor evaluateGrid(int height, int width, const torch::Device& device = torch::kCPU) const;

    std::size_t size() const { return m_count; }

private:
    torch::Tensor m_controls;  // [N, 2] float64, normalised
    torch::Tensor m_weights;   // [N, 2]
    torch::Tensor m_affine;    // [3, 2]
    double m_centreX = 0.0, m_centreY = 0.0, m_scale = 1.0;
    std::size_t m_count = 0;
};

}  // namespace marionette::synth
