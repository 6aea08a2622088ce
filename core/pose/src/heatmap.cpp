#include "marionette/pose/heatmap.h"

#include "marionette/util/error.h"

#include <torch/types.h>

namespace marionette::pose {

double heatmapSigma(int height) { return 6.0 * height / 256.0; }

torch::Tensor renderHeatmaps(const std::vector<Pose>& poses, int height, int width,
                             const torch::TensorOptions& options) {
    if (height <= 0 || width <= 0) throw Error("heatmap size must be positive");
    const auto n = static_cast<int64_t>(poses.size());
    // Joint coordinates [N, 18] and a presence mask, gathered on the CPU then moved once.
    auto xs = torch::zeros({n, kJointCount}, torch::kFloat32);
    auto ys = torch::zeros({n, kJointCount}, torch::kFloat32);
    auto present = torch::zeros({n, kJointCount}, torch::kFloat32);
    auto xa = xs.accessor<float, 2>();
    auto ya = ys.accessor<float, 2>();
    auto pa = present.accessor<float, 2>();
    for (int64_t i = 0; i < n; ++i) {
        for (int j = 0; j < kJointCount; ++j) {
            const auto k = poses[static_cast<std::size_t>(i)].find(jointAt(j));
            if (!k) continue;
            xa[i][j] = k->position.x;
            ya[i][j] = k->position.y;
            pa[i][j] = 1.f;
        }
    }
    const auto device = options.device();
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    xs = xs.to(device);
    ys = ys.to(device);
    present = present.to(device);

    // The 2D Gaussian is separable: exp(-(dx^2 + dy^2) / 2s^2) = exp(-dx^2 / 2s^2) * exp(-dy^2 / 2s^2).
    const double inv2s2 = 1.0 / (2.0 * heatmapSigma(height) * heatmapSigma(height));
    const auto gridX = torch::arange(width, f32).view({1, 1, width});
    const auto gridY = torch::arange(height, f32).view({1, 1, height});
    const auto gx = torch::exp(-(gridX - xs.unsqueeze(2)).square() * inv2s2);                         // [N,18,W]
    const auto gy = torch::exp(-(gridY - ys.unsqueeze(2)).square() * inv2s2) * present.unsqueeze(2);  // [N,18,H]
    return (gy.unsqueeze(3) * gx.unsqueeze(2)).to(options.dtype().toScalarType());                    // [N,18,H,W]
}

torch::Tensor renderHeatmaps(const Pose& pose, int height, int width, const torch::TensorOptions& options) {
    return renderHeatmaps(std::vector<Pose>{pose}, height, width, options).squeeze(0);
}

}  // namespace marionette::pose
