#pragma once
// How many CPU threads LibTorch computes with, the BLAS library kept out of their way, and the processor's
// floating-point settings that keep them fast.
#include <string>
#include <string_view>

namespace marionette::cpu_threads {

// Call first in main(): picks the BLAS kernels for this processor (which may start the program again, see
// blasKernelFor) and flushes denormal numbers (flushDenormals) on every thread started after it.
void prepareProcess(char** argv);

// Sets LibTorch's intra-op (OpenMP) thread count (n <= 0 keeps its default) and makes the BLAS library
// single-threaded. Debian's LibTorch calls OpenBLAS (pthreads build) for matrix products; its own worker
// threads spin for a long while after each call, competing with LibTorch's threads for the same cores: on
// two cores that made the convolutions that follow an attention product several times slower. Products
// that are worth splitting are split over LibTorch's threads instead (model::batchedMatmul).
// n <= 0 asks for defaultThreadCount(). Also flushes denormals on the calling thread and LibTorch's.
void configure(int n);

// One thread per processor core this process may run on (hyperthreads do not count). LibTorch's own default
// means the same, but it counts cores with cpuinfo, which on some virtual machines finds one core of two (it
// computed on one thread of a two-core machine, at half its speed).
int defaultThreadCount();

// How many processors a kernel CPU list names ("0-1" and "0,4" two, "3" one), as in
// /sys/devices/system/cpu/cpu0/topology/thread_siblings_list.
int listedProcessorCount(const std::string& list);

// Treats denormal floats (magnitudes below 1.2e-38) as zero, in inputs and results (the SSE FTZ and DAZ
// modes), on the calling thread and LibTorch's threads; threads started later inherit it. Intel processors
// take a microcode assist on every operation with a denormal, tens of times slower: the Gaussian tails of
// the skeleton heatmaps and the attention's softmax with alpha = 100 are full of them. On one such
// processor the heatmaps' first convolution ran 7 times slower and a c = 32 edit 1.5 times. Numbers that
// small change no image.
void flushDenormals();

// OpenBLAS picks its kernels from the processor's model number, and a model newer than the library (Debian
// 12's OpenBLAS 0.3.21 knows no Sapphire or Emerald Rapids) gets its SSE3 fallback ("Prescott"), which ran the
// attention's matrix products 4 times slower than its AVX-512 kernels on such a processor. The kernels can
// only be chosen before the library loads, by OPENBLAS_CORETYPE. Returns the kernel set to ask for when the
// detected one (`detected`, openblas_get_corename) has no AVX2 although the processor has it, else nullptr.
const char* blasKernelFor(std::string_view detected, bool hasAvx512, bool hasAvx2);

// The BLAS library the process uses ("OpenBLAS", "BLIS", or "unknown"), for logs and benchmarks.
const char* blasName();

}  // namespace marionette::cpu_threads
