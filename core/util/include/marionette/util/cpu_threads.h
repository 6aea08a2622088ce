#pragma once
// How many CPU threads LibTorch computes with, and the BLAS library kept out of their way.

namespace marionette::cpu_threads {

// Sets LibTorch's intra-op (OpenMP) thread count (n <= 0 keeps its default) and makes the BLAS library
// single-threaded. Debian's LibTorch calls OpenBLAS (pthreads build) for matrix products; its own worker
// threads spin for a long while after each call, competing with LibTorch's threads for the same cores: on
// two cores that made the convolutions that follow an attention product several times slower. Products
// that are worth splitting are split over LibTorch's threads instead (model::batchedMatmul).
void configure(int n);

// The BLAS library the process uses ("OpenBLAS", "BLIS", or "unknown"), for logs and benchmarks.
const char* blasName();

}  // namespace marionette::cpu_threads
