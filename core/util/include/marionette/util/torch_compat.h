#pragma once
// The one place that knows the differences between Debian's LibTorch 1.13 and the CUDA LibTorch 2.x of a
// Python torch install. Code elsewhere calls these and never tests TORCH_VERSION itself.
#include <torch/version.h>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/InferenceMode.h>

namespace marionette::torch_compat {

constexpr int kTorchMajor = TORCH_VERSION_MAJOR;
constexpr int kTorchMinor = TORCH_VERSION_MINOR;

// "1.13.1" / "2.5.0": shown in logs, benchmarks and weights metadata.
inline const char* versionString() { return TORCH_VERSION; }

// Inference without autograd bookkeeping (exists with the same meaning in 1.13 and 2.x).
using InferenceGuard = c10::InferenceMode;

// CUDA autocast on or off, computing in `dtype` (bf16 needs no loss scaling). LibTorch 2.4 replaced the
// CUDA-only calls by per-device ones.
inline void setCudaAutocast(bool enabled, at::ScalarType dtype = at::kBFloat16) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
    at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
#endif
    if (!enabled) at::autocast::clear_cache();
}

}  // namespace marionette::torch_compat
