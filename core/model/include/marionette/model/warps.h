#pragma once
// The two ways of moving reference content to target positions (paper section 3.1; docs/model.md), used by the
// network and by the losses alike.
#include <ATen/ATen.h>

namespace marionette::model {

// The paper's temperature alpha in C = softmax(alpha * beta) (eq. 2).
constexpr double kAttentionAlpha = 100.0;

// Pixel offsets [N, 2, h, w] (dx, dy in pixels of that grid; target p samples the reference at p + w(p))
// to grid_sample's normalised grid [N, h, w, 2] for align_corners = false. Computed in fp32 whatever the
// input type: bf16 coordinates are only 0.25-0.5 px precise at 64 px.
at::Tensor flowToGrid(const at::Tensor& flow);

// W_f(x, w): bilinear sampling of x [N, C, h, w] at p + w(p), border padding (eq. 5-6).
at::Tensor warpFlow(const at::Tensor& x, const at::Tensor& flow);

// at::bmm(a, b) for [N, r, k] x [N, k, c]. On the CPU each product (and, under autograd, each product of its
// gradient) is split into one block per LibTorch thread, each a single-threaded BLAS call (the BLAS
// library's own threads are turned off, see util/cpu_threads.h); elsewhere it is at::bmm.
at::Tensor batchedMatmul(const at::Tensor& a, const at::Tensor& b);

// Keys and queries normalised to unit length along channels, so that beta = k . q is a cosine.
at::Tensor l2NormalizeChannels(const at::Tensor& x);

// C [N, HW_ref, HW_tgt] = softmax over reference positions of alpha * (k . q) (eq. 1-2), from normalised
// keys [N, K, h_r, w_r] and queries [N, K, h_t, w_t]. The logits are formed in fp32. The result is a transposed
// view (each column, one target position, is contiguous).
at::Tensor attentionMatrix(const at::Tensor& normalizedKeys, const at::Tensor& normalizedQueries,
                           double alpha = kAttentionAlpha);

// W_a(x, C) = x C (eq. 3): x [N, ch, h_r, w_r] -> [N, ch, targetHeight, targetWidth].
at::Tensor warpAttention(const at::Tensor& x, const at::Tensor& attention, int64_t targetHeight, int64_t targetWidth);

// x resized to h x w by area averaging: the "x_r down" of docs/model.md.
at::Tensor downsampleArea(const at::Tensor& x, int64_t height, int64_t width);

// A flow prior (docs/model.md, "Flow prior"): the geometric warp's backward flow, as the model's flows are stored
// (target -> reference, pixels of each grid), at the canvas and at F's two scales.
struct FlowPrior {
    at::Tensor canvas;  // [N, 2, H, W], canvas pixels
    at::Tensor s4;      // [N, 2, H/4, W/4], s4 pixels
    at::Tensor s8;      // [N, 2, H/8, W/8], s8 pixels
    bool defined() const { return canvas.defined(); }
};

// The pixel centres of a height x width grid, [2, H, W] float32 (x, y): a sampling grid of source
// coordinates minus this is its flow.
at::Tensor pixelCentres(int64_t height, int64_t width);

// A canvas-pixel flow [N, 2, H, W] averaged over cells of `scale` x `scale` and given in that grid's pixels
// (divided by `scale`): how F's scales see a flow drawn at the canvas (and how train::skeletonFlowOf makes its).
at::Tensor flowAtScale(const at::Tensor& canvasFlow, int64_t scale);
// The prior at all three grids from its canvas flow (flowAtScale for s4 and s8).
FlowPrior flowPriorFromCanvas(const at::Tensor& canvasFlow);
// A flow of a coarser grid brought to height x width (bilinear) in that grid's pixels (multiplied by the ratio
// of the sizes): w4 at the canvas is w4 upsampled times 4.
at::Tensor upsampleFlow(const at::Tensor& flow, int64_t height, int64_t width);

}  // namespace marionette::model
