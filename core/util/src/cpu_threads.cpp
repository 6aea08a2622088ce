#include "marionette/util/cpu_threads.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <dlfcn.h>
#include <sched.h>
#include <unistd.h>

namespace marionette::cpu_threads {
namespace {

// Looked up at run time: which BLAS is installed is the system's choice (Debian's alternatives), and a
// build must not fail to link where it is not OpenBLAS.
template <class Function>
Function* blasFunction(const char* name) {
    return reinterpret_cast<Function*>(dlsym(RTLD_DEFAULT, name));
}

struct ProcessorFeatures {
    bool avx512 = false, avx2 = false;
};

ProcessorFeatures processorFeatures() {
    ProcessorFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return f;
}

// OpenBLAS asks for its kernels by this variable before it loads; the program starts again with it set.
void useBlasKernelsForThisProcessor(char** argv) {
    if (std::getenv("OPENBLAS_CORETYPE")) return;  // the user's choice, or set by the start before this one
    auto* coreName = blasFunction<char*()>("openblas_get_corename");
    if (!coreName || !argv || !argv[0]) return;
    const ProcessorFeatures features = processorFeatures();
    const char* kernel = blasKernelFor(coreName(), features.avx512, features.avx2);
    if (!kernel) return;
    setenv("OPENBLAS_CORETYPE", kernel, 1);
    execv("/proc/self/exe", argv);
    std::fprintf(
        stderr,
        "[warning] OpenBLAS chose its %s kernels for this processor and the program could not restart with %s ones: "
        "matrix products will be slow (set OPENBLAS_CORETYPE=%s)\n",
        coreName(), kernel, kernel);
}

// Logical processors per core, from the kernel's topology of processor 0.
int threadsPerCore() {
    std::ifstream file("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list");
    std::string list;
    return file >> list ? std::max(1, listedProcessorCount(list)) : 1;
}

}  // namespace

int listedProcessorCount(const std::string& list) {
    int count = 0;
    std::istringstream parts(list);
    for (std::string part; std::getline(parts, part, ',');) {
        if (part.empty()) continue;
        const auto dash = part.find('-');
        count += dash == std::string::npos
                     ? 1
                     : std::max(1, std::atoi(part.c_str() + dash + 1) - std::atoi(part.c_str()) + 1);
    }
    return count;
}

int defaultThreadCount() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    const int processors = sched_getaffinity(0, sizeof(allowed), &allowed) == 0
                               ? CPU_COUNT(&allowed)
                               : static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, processors / threadsPerCore());
}

const char* blasKernelFor(std::string_view detected, bool hasAvx512, bool hasAvx2) {
    std::string core(detected);
    std::transform(core.begin(), core.end(), core.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // OpenBLAS's x86-64 kernel sets that use AVX2 and FMA (0.3.21 and later).
    static const std::array<const char*, 6> withAvx2{"haswell",        "zen",      "skylakex", "cooperlake",
                                                     "sapphirerapids", "excavator"};
    if (std::find(withAvx2.begin(), withAvx2.end(), core) != withAvx2.end()) return nullptr;
    if (hasAvx512) return "SkylakeX";
    if (hasAvx2) return "Haswell";
    return nullptr;
}

void prepareProcess(char** argv) {
    useBlasKernelsForThisProcessor(argv);
    flushDenormals();
}

void flushDenormals() {
    at::globalContext().setFlushDenormal(true);
    // One chunk per LibTorch thread: each of them runs this once.
    const int64_t threads = at::get_num_threads();
    at::parallel_for(0, threads, 1, [](int64_t, int64_t) { at::globalContext().setFlushDenormal(true); });
}

void configure(int n) {
    at::set_num_threads(n > 0 ? n : defaultThreadCount());
    flushDenormals();
    if (auto* openblas = blasFunction<void(int)>("openblas_set_num_threads")) openblas(1);
    if (auto* blis = blasFunction<void(long)>("bli_thread_set_num_threads")) blis(1);
}

const char* blasName() {
    if (blasFunction<void(int)>("openblas_set_num_threads")) return "OpenBLAS";
    if (blasFunction<void(long)>("bli_thread_set_num_threads")) return "BLIS";
    return "unknown";
}

}  // namespace marionette::cpu_threads
