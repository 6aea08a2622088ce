#include "marionette/util/build_info.h"

#include "marionette/util/torch_compat.h"

#include <torch/cuda.h>

// Set on this file alone by core/util/CMakeLists.txt, so that a new revision recompiles nothing else.
#ifndef MARIONETTE_VERSION
#define MARIONETTE_VERSION "unknown"
#endif
#ifndef MARIONETTE_GIT_REVISION
#define MARIONETTE_GIT_REVISION "unknown"
#endif

namespace marionette::build_info {

std::string version() { return MARIONETTE_VERSION; }

std::string gitRevision() { return MARIONETTE_GIT_REVISION; }

std::string torchVersion() { return torch_compat::versionString(); }

std::string cudaSupport() {
    if (!torch::cuda::is_available()) return "no";
    const auto devices = torch::cuda::device_count();
    return "yes (" + std::to_string(devices) + (devices == 1 ? " device)" : " devices)");
}

std::string versionLines(const std::string& program) {
    return program + " " + version() + "\nrevision: " + gitRevision() + "\nLibTorch: " + torchVersion() +
           "\nCUDA: " + cudaSupport() + "\n";
}

}  // namespace marionette::build_info
