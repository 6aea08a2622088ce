#include "marionette/face/part_maps.h"

#include "marionette/util/error.h"

#include <torch/torch.h>

#include <cmath>

namespace marionette::face {
namespace {

// Segments of all parts in layout order: [S, 2] start and end indices, and the part of each segment.
struct SegmentTable {
    std::vector<int64_t> from, to, part;
};

const SegmentTable& segmentTable() {
    static const SegmentTable table = [] {
        SegmentTable t;
        for (const auto& p : faceParts()) {
            for (int i = p.first; i < p.last; ++i) {
                t.from.push_back(i);
                t.to.push_back(i + 1);
                t.part.push_back(static_cast<int>(p.part));
            }
            if (p.closed) {
                t.from.push_back(p.last);
                t.to.push_back(p.first);
                t.part.push_back(static_cast<int>(p.part));
            }
        }
        return t;
    }();
    return table;
}

torch::Tensor gaussianKernel1d(double sigma, const torch::TensorOptions& f32) {
    const int radius = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
    auto x = torch::arange(-radius, radius + 1, f32);
    auto k = torch::exp(-x.square() / (2.0 * sigma * sigma));
    return k / k.sum();
}

}  // namespace

double partLineWidth(int height) { return 2.0 * height / 256.0; }
double partBlurSigma(int height) { return 1.5 * height / 256.0; }

torch::Tensor renderPartMaps(const std::vector<FaceLandmarks>& faces, int height, int width,
                             const torch::TensorOptions& options) {
    if (height <= 0 || width <= 0) throw Error("part map size must be positive");
    const auto n = static_cast<int64_t>(faces.size());
    const auto device = options.device();
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    const auto& table = segmentTable();
    const auto segments = static_cast<int64_t>(table.from.size());

    auto points = torch::empty({n, kLandmarkCount, 2}, torch::kFloat32);
    auto pa = points.accessor<float, 3>();
    for (int64_t i = 0; i < n; ++i) {
        for (int j = 0; j < kLandmarkCount; ++j) {
            pa[i][j][0] = faces[static_cast<std::size_t>(i)].points[static_cast<std::size_t>(j)].x;
            pa[i][j][1] = faces[static_cast<std::size_t>(i)].points[static_cast<std::size_t>(j)].y;
        }
    }
    points = points.to(device);
    const auto longs = torch::TensorOptions().dtype(torch::kLong);
    const auto fromIdx = torch::tensor(table.from, longs).to(device);
    const auto toIdx = torch::tensor(table.to, longs).to(device);
    const auto partIdx = torch::tensor(table.part, longs).to(device);

    // Distance of every pixel centre to every segment, one face at a time to bound memory: [S, H*W].
    const auto ys = torch::arange(height, f32).view({height, 1}).expand({height, width});
    const auto xs = torch::arange(width, f32).view({1, width}).expand({height, width});
    const auto pixels = torch::stack({xs, ys}, -1).view({1, height * width, 2});
    const auto scatterIndex = partIdx.view({segments, 1}).expand({segments, height * width});
    std::vector<torch::Tensor> perFace;
    for (int64_t i = 0; i < n; ++i) {
        const auto a = points[i].index_select(0, fromIdx).unsqueeze(1);  // [S,1,2]
        const auto ab = points[i].index_select(0, toIdx).unsqueeze(1) - a;
        const auto t = (((pixels - a) * ab).sum(-1) / ab.square().sum(-1).clamp_min(1e-12)).clamp(0.0, 1.0);
        const auto distance = (pixels - (a + t.unsqueeze(-1) * ab)).square().sum(-1).sqrt();  // [S,HW]
        // Anti-aliased coverage of a line of the given width: 1 inside, a one-pixel linear ramp at its edge.
        const auto coverage = (partLineWidth(height) / 2.0 + 0.5 - distance).clamp(0.0, 1.0);
        // The union of a part's segments: maximum coverage over them.
        perFace.push_back(torch::zeros({kPartCount, height * width}, f32)
                              .scatter_reduce(0, scatterIndex, coverage, "amax", /*include_self=*/true));
    }
    auto maps = n > 0 ? torch::stack(perFace) : torch::zeros({0, kPartCount, height * width}, f32);
    maps = maps.view({n * kPartCount, 1, height, width});

    // Separable Gaussian blur, then each map scaled to a peak of 1.
    const auto kernel = gaussianKernel1d(partBlurSigma(height), f32);
    const int64_t radius = (kernel.size(0) - 1) / 2;
    maps = torch::conv2d(maps, kernel.view({1, 1, 1, -1}), torch::Tensor(), 1, std::vector<int64_t>{0, radius});
    maps = torch::conv2d(maps, kernel.view({1, 1, -1, 1}), torch::Tensor(), 1, std::vector<int64_t>{radius, 0});
    maps = maps.view({n, kPartCount, height, width});
    const auto peak = maps.amax({2, 3}, /*keepdim=*/true);
    maps = torch::where(peak > 0, maps / peak.clamp_min(1e-12), maps);
    return maps.to(options.dtype().toScalarType());
}

torch::Tensor renderPartMaps(const FaceLandmarks& landmarks, int height, int width, const torch::TensorOptions& options) {
    return renderPartMaps(std::vector<FaceLandmarks>{landmarks}, height, width, options).squeeze(0);
}

}  // namespace marionette::face
