#include "marionette/util/cpu_threads.h"

#include <ATen/Parallel.h>

#include <dlfcn.h>

namespace marionette::cpu_threads {
namespace {

// Looked up at run time: which BLAS is installed is the system's choice (Debian's alternatives), and a
// build must not fail to link where it is not OpenBLAS.
template <class Function>
Function* blasFunction(const char* name) {
    return reinterpret_cast<Function*>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

void configure(int n) {
    if (n > 0) at::set_num_threads(n);
    if (auto* openblas = blasFunction<void(int)>("openblas_set_num_threads")) openblas(1);
    if (auto* blis = blasFunction<void(long)>("bli_thread_set_num_threads")) blis(1);
}

const char* blasName() {
    if (blasFunction<void(int)>("openblas_set_num_threads")) return "OpenBLAS";
    if (blasFunction<void(long)>("bli_thread_set_num_threads")) return "BLIS";
    return "unknown";
}

}  // namespace marionette::cpu_threads
