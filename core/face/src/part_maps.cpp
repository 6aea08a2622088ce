#include "marionette/face/part_maps.h"

#include "marionette/util/error.h"

#include <torch/types.h>

#include <algorithm>
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

    // Anti-aliased coverage of each part's polyline (1 inside a line of the given width, a one-pixel linear
    // ramp at its edge; a part is the union, the maximum, of its segments). Rasterised on the CPU segment by
    // segment: a segment only reaches the pixels near it, so the cost is the lines' area, not the canvas's
    // (evaluating every segment at every pixel took seconds per 256 x 256 face).
    auto coverage = torch::zeros({n, kPartCount, height, width}, torch::kFloat32);
    float* planes = coverage.data_ptr<float>();
    const double reach = partLineWidth(height) / 2.0 + 0.5;  // coverage = clamp(reach - distance, 0, 1)
    const auto planeSize = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
    for (int64_t i = 0; i < n; ++i) {
        const auto& points = faces[static_cast<std::size_t>(i)].points;
        for (std::size_t s = 0; s < table.from.size(); ++s) {
            const Point2 a = points[static_cast<std::size_t>(table.from[s])];
            const Point2 b = points[static_cast<std::size_t>(table.to[s])];
            if (!isFinite(a) || !isFinite(b)) continue;
            const double left = std::max(0.0, std::floor(std::min(a.x, b.x) - reach));
            const double right = std::min(width - 1.0, std::ceil(std::max(a.x, b.x) + reach));
            const double top = std::max(0.0, std::floor(std::min(a.y, b.y) - reach));
            const double bottom = std::min(height - 1.0, std::ceil(std::max(a.y, b.y) + reach));
            if (left > right || top > bottom) continue;
            const double abx = b.x - a.x, aby = b.y - a.y;
            const double length2 = std::max(abx * abx + aby * aby, 1e-12);
            float* plane =
                planes +
                (static_cast<std::size_t>(i) * kPartCount + static_cast<std::size_t>(table.part[s])) * planeSize;
            for (int y = static_cast<int>(top); y <= static_cast<int>(bottom); ++y) {
                for (int x = static_cast<int>(left); x <= static_cast<int>(right); ++x) {
                    const double dx = x - a.x, dy = y - a.y;
                    const double t = std::clamp((dx * abx + dy * aby) / length2, 0.0, 1.0);
                    const double distance = std::hypot(dx - t * abx, dy - t * aby);
                    const auto c = static_cast<float>(std::clamp(reach - distance, 0.0, 1.0));
                    float& pixel = plane[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                                         static_cast<std::size_t>(x)];
                    pixel = std::max(pixel, c);
                }
            }
        }
    }
    const int64_t mapCount = n * kPartCount;
    auto maps = coverage.to(device).view({1, mapCount, height, width});

    // Separable Gaussian blur, then each map scaled to a peak of 1. Every plane is a group of its own (a
    // depthwise convolution): as a batch of one-channel images the same convolutions took ten times longer.
    const auto kernel = gaussianKernel1d(partBlurSigma(height), f32);
    const int64_t radius = (kernel.size(0) - 1) / 2;
    const auto horizontal = kernel.view({1, 1, 1, -1}).expand({mapCount, 1, 1, kernel.size(0)}).contiguous();
    const auto vertical = kernel.view({1, 1, -1, 1}).expand({mapCount, 1, kernel.size(0), 1}).contiguous();
    maps = torch::conv2d(maps, horizontal, torch::Tensor(), 1, std::vector<int64_t>{0, radius}, 1, mapCount);
    maps = torch::conv2d(maps, vertical, torch::Tensor(), 1, std::vector<int64_t>{radius, 0}, 1, mapCount);
    maps = maps.view({n, kPartCount, height, width});
    const auto peak = maps.amax({2, 3}, /*keepdim=*/true);
    maps = torch::where(peak > 0, maps / peak.clamp_min(1e-12), maps);
    return maps.to(options.dtype().toScalarType());
}

torch::Tensor renderPartMaps(const FaceLandmarks& landmarks, int height, int width,
                             const torch::TensorOptions& options) {
    return renderPartMaps(std::vector<FaceLandmarks>{landmarks}, height, width, options).squeeze(0);
}

}  // namespace marionette::face
