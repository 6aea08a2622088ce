#include "marionette/synth/thin_plate_spline.h"

#include "marionette/util/error.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace marionette::synth {
namespace {

// U(r) = r^2 log r^2 from squared distances, with U(0) = 0.
torch::Tensor radialBasis(const torch::Tensor& squaredDistance) {
    return torch::where(squaredDistance > 0.0, squaredDistance * torch::log(squaredDistance.clamp_min(1e-300)),
                        torch::zeros_like(squaredDistance));
}

torch::Tensor toTensor(const std::vector<Point2>& points) {
    std::vector<double> flat;
    for (const Point2& p : points) {
        flat.push_back(p.x);
        flat.push_back(p.y);
    }
    return torch::tensor(flat, torch::kFloat64).view({static_cast<int64_t>(points.size()), 2});
}

}  // namespace

ThinPlateSpline::ThinPlateSpline(const std::vector<Point2>& controls, const std::vector<Point2>& values,
                                 double regularisation) {
    if (controls.size() != values.size())
        throw Error("thin-plate spline: " + std::to_string(controls.size()) + " control points but " +
                    std::to_string(values.size()) + " values");
    if (controls.size() < 3) throw Error("thin-plate spline: needs at least 3 control points");
    if (!(regularisation >= 0.0)) throw Error("thin-plate spline: regularisation must be >= 0");
    for (std::size_t i = 0; i < controls.size(); ++i)
        if (!isFinite(controls[i]) || !isFinite(values[i]))
            throw Error("thin-plate spline: point " + std::to_string(i) + " is not a finite number");
    m_count = controls.size();

    // Normalise: centre on the mean, scale by the larger extent.
    double minX = controls[0].x, maxX = minX, minY = controls[0].y, maxY = minY, sumX = 0.0, sumY = 0.0;
    for (const Point2& p : controls) {
        minX = std::min<double>(minX, p.x);
        maxX = std::max<double>(maxX, p.x);
        minY = std::min<double>(minY, p.y);
        maxY = std::max<double>(maxY, p.y);
        sumX += p.x;
        sumY += p.y;
    }
    m_centreX = sumX / static_cast<double>(m_count);
    m_centreY = sumY / static_cast<double>(m_count);
    m_scale = std::max({maxX - minX, maxY - minY, 1e-9});
    for (std::size_t i = 0; i < controls.size(); ++i)
        for (std::size_t j = i + 1; j < controls.size(); ++j)
            if (std::hypot(controls[i].x - controls[j].x, controls[i].y - controls[j].y) <= 1e-9 * m_scale)
                throw Error("thin-plate spline: control points " + std::to_string(i) + " and " + std::to_string(j) +
                            " coincide; merge them first");

    const auto c = (toTensor(controls) - torch::tensor({m_centreX, m_centreY}, torch::kFloat64)) / m_scale;
    const auto v = toTensor(values);
    const auto n = static_cast<int64_t>(m_count);
    const auto K = radialBasis((c.unsqueeze(1) - c.unsqueeze(0)).square().sum(-1)) +
                   torch::eye(n, torch::kFloat64) * regularisation;
    const auto P = torch::cat({torch::ones({n, 1}, torch::kFloat64), c}, 1);  // [N, 3]
    auto L = torch::zeros({n + 3, n + 3}, torch::kFloat64);
    L.slice(0, 0, n).slice(1, 0, n).copy_(K);
    L.slice(0, 0, n).slice(1, n, n + 3).copy_(P);
    L.slice(0, n, n + 3).slice(1, 0, n).copy_(P.t());
    const auto rhs = torch::cat({v, torch::zeros({3, 2}, torch::kFloat64)}, 0);
    // A singular system (collinear controls) yields non-finite numbers or an exception, reported the same way.
    torch::Tensor solution;
    try {
        solution = torch::linalg_solve(L, rhs);
    } catch (const std::exception&) {
        throw Error("thin-plate spline: the control points are degenerate (all on one line?)");
    }
    if (!torch::isfinite(solution).all().item<bool>())
        throw Error("thin-plate spline: the control points are degenerate (all on one line?)");
    m_controls = c;
    m_weights = solution.slice(0, 0, n);
    m_affine = solution.slice(0, n, n + 3);
}

torch::Tensor ThinPlateSpline::evaluate(const torch::Tensor& points) const {
    if (points.dim() < 1 || points.size(-1) != 2) throw Error("thin-plate spline: points must have shape [..., 2]");
    const auto device = points.device();
    const auto shape = points.sizes().vec();
    const auto flat = points.reshape({-1, 2}).to(torch::kFloat64);
    const auto centre = torch::tensor({m_centreX, m_centreY}, torch::TensorOptions(torch::kFloat64).device(device));
    const auto controls = m_controls.to(device), weights = m_weights.to(device), affine = m_affine.to(device);
    std::vector<torch::Tensor> chunks;
    // Chunks keep the [points, controls] distance matrix small.
    constexpr int64_t kChunk = 16384;
    for (int64_t start = 0; start < flat.size(0); start += kChunk) {
        const auto p = (flat.slice(0, start, std::min(start + kChunk, flat.size(0))) - centre) / m_scale;
        // |p - c|^2 = |p|^2 + |c|^2 - 2 p.c, as one matrix product.
        const auto d2 = (p.square().sum(1, true) + controls.square().sum(1).unsqueeze(0) - 2.0 * p.matmul(controls.t()))
                            .clamp_min(0.0);
        const auto U = radialBasis(d2);  // [M, N]
        const auto P = torch::cat({torch::ones({p.size(0), 1}, p.options()), p}, 1);
        chunks.push_back(U.matmul(weights) + P.matmul(affine));
    }
    return torch::cat(chunks, 0).view(shape);
}

Point2 ThinPlateSpline::evaluate(Point2 point) const {
    const auto r =
        evaluate(torch::tensor({static_cast<double>(point.x), static_cast<double>(point.y)}, torch::kFloat64));
    return {static_cast<float>(r[0].item<double>()), static_cast<float>(r[1].item<double>())};
}

torch::Tensor ThinPlateSpline::evaluateGrid(int height, int width, const torch::Device& device) const {
    const auto f64 = torch::TensorOptions(torch::kFloat64).device(device);
    const auto ys = torch::arange(height, f64).view({height, 1}).expand({height, width});
    const auto xs = torch::arange(width, f64).view({1, width}).expand({height, width});
    return evaluate(torch::stack({xs, ys}, -1)).to(torch::kFloat32);
}

}  // namespace marionette::synth
