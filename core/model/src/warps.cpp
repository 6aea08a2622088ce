#include "marionette/model/warps.h"

#include "marionette/util/error.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/functional/vision.h>

namespace marionette::model {
namespace F = torch::nn::functional;

at::Tensor flowToGrid(const at::Tensor& flow) {
    if (flow.dim() != 4 || flow.size(1) != 2) throw Error("a flow field must have shape [N, 2, h, w]");
    const int64_t h = flow.size(2), w = flow.size(3);
    const auto f32 = flow.options().dtype(at::kFloat);
    const auto offsets = flow.to(at::kFloat);
    // Pixel centre j has normalised coordinate (2j + 1) / size - 1 when align_corners = false.
    const auto xs = at::arange(w, f32).view({1, 1, w});
    const auto ys = at::arange(h, f32).view({1, h, 1});
    const auto gx = (2.0 * (xs + offsets.select(1, 0)) + 1.0) / static_cast<double>(w) - 1.0;
    const auto gy = (2.0 * (ys + offsets.select(1, 1)) + 1.0) / static_cast<double>(h) - 1.0;
    return at::stack({gx, gy}, -1);
}

at::Tensor pixelCentres(int64_t height, int64_t width) {
    const auto f32 = torch::TensorOptions(torch::kFloat32);
    return torch::stack({torch::arange(width, f32).view({1, width}).expand({height, width}),
                         torch::arange(height, f32).view({height, 1}).expand({height, width})});
}

at::Tensor warpFlow(const at::Tensor& x, const at::Tensor& flow) {
    if (x.dim() != 4 || x.size(2) != flow.size(2) || x.size(3) != flow.size(3))
        throw Error("W_f: features and flow must share their spatial size");
    const auto grid = flowToGrid(flow);
    return F::grid_sample(
               x.to(at::kFloat), grid,
               F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kBorder).align_corners(false))
        .to(x.scalar_type());
}

namespace {

// a x b with the longer side of each product split into one block per thread; every block is a plain BLAS
// call on the calling thread, so the blocks of the rows case write contiguous row ranges of the result.
at::Tensor splitBmm(const at::Tensor& a, const at::Tensor& b, int threads) {
    const int64_t n = a.size(0), rows = a.size(1), cols = b.size(2);
    auto result = at::empty({n, rows, cols}, a.options());
    const bool splitRows = rows >= cols;
    const int64_t length = splitRows ? rows : cols;
    const int64_t block = (length + threads - 1) / threads;
    at::parallel_for(0, n * threads, 1, [&](int64_t begin, int64_t end) {
        for (int64_t job = begin; job < end; ++job) {
            const int64_t item = job / threads, start = (job % threads) * block;
            if (start >= length) continue;
            const int64_t size = std::min(block, length - start);
            auto out = result.select(0, item);
            const auto x = a.select(0, item), y = b.select(0, item);
            if (splitRows) {
                auto part = out.narrow(0, start, size);
                at::mm_out(part, x.narrow(0, start, size), y);
            } else {
                auto part = out.narrow(1, start, size);
                at::mm_out(part, x, y.narrow(1, start, size));
            }
        }
    });
    return result;
}

// The same product under autograd, whose own BmmBackward would run at::bmm on one BLAS thread: in training
// the attention products and their gradients were a third of a CPU step, on one of the cores.
class SplitBmm : public torch::autograd::Function<SplitBmm> {
public:
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b) {
        ctx->save_for_backward({a, b});
        return splitBmm(a, b, at::get_num_threads());
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor& a = saved[0];
        const at::Tensor& b = saved[1];
        const at::Tensor g = grads[0].contiguous();
        const int threads = at::get_num_threads();
        // d(ab)/da = g b^T, d(ab)/db = a^T g.
        at::Tensor gradA = ctx->needs_input_grad(0) ? splitBmm(g, b.transpose(1, 2), threads) : at::Tensor();
        at::Tensor gradB = ctx->needs_input_grad(1) ? splitBmm(a.transpose(1, 2), g, threads) : at::Tensor();
        return {gradA, gradB};
    }
};

}  // namespace

at::Tensor batchedMatmul(const at::Tensor& a, const at::Tensor& b) {
    const int threads = at::get_num_threads();
    if (!a.device().is_cpu() || threads < 2 || at::in_parallel_region()) return at::bmm(a, b);
    if (at::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad())) return SplitBmm::apply(a, b);
    return splitBmm(a, b, threads);
}

at::Tensor l2NormalizeChannels(const at::Tensor& x) {
    return x / x.to(at::kFloat).norm(2, {1}, /*keepdim=*/true).clamp_min(1e-6).to(x.scalar_type());
}

at::Tensor attentionMatrix(const at::Tensor& keys, const at::Tensor& queries, double alpha) {
    if (keys.dim() != 4 || queries.dim() != 4 || keys.size(1) != queries.size(1))
        throw Error("attention: keys and queries must be [N, K, h, w] with the same K");
    const auto k = keys.flatten(2).to(at::kFloat);                             // [N, K, HWr]
    const auto q = queries.flatten(2).to(at::kFloat).transpose(1, 2) * alpha;  // [N, HWt, K]; alpha on the small side
    // Rows of [N, HWt, HWr] hold one target position's logits: the softmax runs along contiguous memory (about
    // 3x faster on the CPU than along dim 1); the transposed view is C of eq. 1-2 without a copy.
    return at::softmax(batchedMatmul(q, k), /*dim=*/2).transpose(1, 2);
}

at::Tensor warpAttention(const at::Tensor& x, const at::Tensor& attention, int64_t targetHeight, int64_t targetWidth) {
    const int64_t n = x.size(0), channels = x.size(1);
    if (attention.size(1) != x.size(2) * x.size(3) || attention.size(2) != targetHeight * targetWidth)
        throw Error("W_a: the attention matrix does not match the feature and target sizes");
    return batchedMatmul(x.flatten(2).to(attention.scalar_type()), attention)
        .view({n, channels, targetHeight, targetWidth})
        .to(x.scalar_type());
}

at::Tensor downsampleArea(const at::Tensor& x, int64_t height, int64_t width) {
    return F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({height, width}));
}

at::Tensor flowAtScale(const at::Tensor& canvasFlow, int64_t scale) {
    if (canvasFlow.dim() != 4 || canvasFlow.size(1) != 2) throw Error("a flow field must have shape [N, 2, h, w]");
    if (scale < 1 || canvasFlow.size(2) % scale != 0 || canvasFlow.size(3) % scale != 0)
        throw Error("a flow of " + std::to_string(canvasFlow.size(2)) + " x " + std::to_string(canvasFlow.size(3)) +
                    " does not divide into cells of " + std::to_string(scale));
    if (scale == 1) return canvasFlow;
    return at::avg_pool2d(canvasFlow, {scale, scale}) / static_cast<double>(scale);
}

FlowPrior flowPriorFromCanvas(const at::Tensor& canvasFlow) {
    return {canvasFlow, flowAtScale(canvasFlow, 4), flowAtScale(canvasFlow, 8)};
}

at::Tensor upsampleFlow(const at::Tensor& flow, int64_t height, int64_t width) {
    if (flow.dim() != 4 || flow.size(1) != 2) throw Error("a flow field must have shape [N, 2, h, w]");
    const auto upsampled = F::interpolate(flow, F::InterpolateFuncOptions()
                                                    .size(std::vector<int64_t>{height, width})
                                                    .mode(torch::kBilinear)
                                                    .align_corners(false));
    const double sy = static_cast<double>(height) / static_cast<double>(flow.size(2));
    const double sx = static_cast<double>(width) / static_cast<double>(flow.size(3));
    if (sx == sy) return upsampled * sx;
    return upsampled * at::tensor({sx, sy}, upsampled.options()).view({1, 2, 1, 1});
}

}  // namespace marionette::model
