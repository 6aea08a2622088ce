#pragma once
// The one place that knows the differences between Debian's LibTorch 1.13 and the CUDA LibTorch 2.x of a
// Python torch install. Code elsewhere calls these and never tests TORCH_VERSION itself.
#include <torch/version.h>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

namespace marionette::torch_compat {

constexpr int kTorchMajor = TORCH_VERSION_MAJOR;
constexpr int kTorchMinor = TORCH_VERSION_MINOR;

// "1.13.1" / "2.5.0": shown in logs, benchmarks and weights metadata.
inline const char* versionString() { return TORCH_VERSION; }

// Inference without autograd bookkeeping (exists with the same meaning in 1.13 and 2.x).
using InferenceGuard = c10::InferenceMode;

}  // namespace marionette::torch_compat
