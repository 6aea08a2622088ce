#pragma once
// The one place that knows the differences between Debian's LibTorch 1.13 and the CUDA LibTorch 2.x of a
// Python torch install. Code elsewhere calls these and never tests TORCH_VERSION itself.
#include <torch/version.h>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/InferenceMode.h>

// Forward declarations for the distributed section below (the c10d headers themselves are heavy and are
// included only where process groups are made, in core/train/src/distributed.cpp).
namespace c10d {
class ProcessGroup;
class Backend;
}  // namespace c10d

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

// ---- Distributed training (c10d) ---------------------------------------------------------------------
// Data parallelism uses LibTorch's own c10d layer: a TCPStore rendezvous and the gloo (CPU) or NCCL (CUDA)
// process groups, used directly (not through 2.x's dispatching ProcessGroup, so no backend registration).
// The calls we make read the same in 1.13 and 2.x: TCPStore(host, TCPStoreOptions{port, isServer,
// numWorkers, waitWorkers, timeout}), ProcessGroupGloo::Options::create(timeout) with devices from
// createDeviceForHostname / createDeviceForInterface / createDefaultDevice (2.x adds a defaulted lazyInit
// argument), ProcessGroupNCCL::Options::create() with its timeout, and allreduce / broadcast whose work
// item (c10d::Work; ProcessGroup::Work before 1.13) is only waited on through `auto`. What differs is here.

// The class the gloo and NCCL process groups derive from: 1.13's ProcessGroup did the collectives itself;
// 2.0 split it into a dispatching ProcessGroup and one c10d::Backend per device type, and ProcessGroupGloo
// and ProcessGroupNCCL became Backends (same allreduce / broadcast / barrier signatures).
#if TORCH_VERSION_MAJOR >= 2
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

// Which backends this build can make. LibTorch tells its users through public compile definitions
// (USE_C10D_GLOO from torch_cpu, USE_C10D_NCCL from torch_cuda); their headers also need gloo's headers
// (Debian: libgloo-dev) and <nccl.h> (a pip install keeps it in site-packages/nvidia/nccl/include, which
// core/train/CMakeLists.txt adds when it finds it); -DMARIONETTE_NCCL=OFF leaves NCCL out.
#if defined(USE_C10D_GLOO) && defined(__has_include)
#if __has_include(<gloo/algorithm.h>)
#define MARIONETTE_HAS_GLOO 1
#endif
#endif
#if defined(USE_C10D_NCCL) && !defined(MARIONETTE_NO_NCCL) && defined(__has_include)
#if __has_include(<nccl.h>)
#define MARIONETTE_HAS_NCCL 1
#endif
#endif
#ifdef MARIONETTE_HAS_GLOO
constexpr bool kHasGloo = true;
#else
constexpr bool kHasGloo = false;
#endif
#ifdef MARIONETTE_HAS_NCCL
constexpr bool kHasNccl = true;
#else
constexpr bool kHasNccl = false;
#endif

}  // namespace marionette::torch_compat
