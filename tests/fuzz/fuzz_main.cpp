// libFuzzer's entry points for one fuzz target: compiled once per target with MARIONETTE_FUZZ_FUNCTION naming
// its function (tests/fuzz/CMakeLists.txt). Only the fuzz build (-DMARIONETTE_FUZZ=ON) compiles this file.
#include "fuzz_targets.h"

#include <ATen/Parallel.h>
#include <opencv2/core.hpp>

#ifndef MARIONETTE_FUZZ_FUNCTION
#error "MARIONETTE_FUZZ_FUNCTION must name the target's function"
#endif

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // One input at a time on one core: thread pools would only add noise to the coverage and the timings.
    at::set_num_threads(1);
    cv::setNumThreads(0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return marionette::fuzz::MARIONETTE_FUZZ_FUNCTION(data, size);
}
