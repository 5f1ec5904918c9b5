// core/gemm.h: single-precision matrix multiply, the one place dagrad
// chooses a GEMM library: LIBXSMM's JIT kernels, oneDNN's dnnl_sgemm or
// OpenBLAS's cblas_sgemm.
//
// All matrices are row-major. Gemm computes
//   C = alpha * op(A) * op(B) + beta * C,   op(X) = X or X^T,
// with op(A) [m,k], op(B) [k,n] and C [m,n]. With beta == 0, C's previous
// contents are ignored (NaNs in C do not propagate).
//
// Which library (GemmLibraryFor(), a pure function of the call's shape and
// scalars): LIBXSMM where it generates a kernel (op(B) = B, alpha 1, beta 0
// or 1: the dense layers' forward and dW, the im2col forward and dX), oneDNN
// for the rest (op(B) = B^T: the dense dX, the im2col dW). Both generate
// their kernels for the CPU they run on, whatever OPENBLAS_CORETYPE says;
// README.md ("Dependencies and why") gives the measurements behind the
// choice (benchmarks/gemm_bench.cc). OpenBLAS stays callable through
// GemmRawWith() for comparison.
//
// Threads: dagrad parallelizes above GEMM (over images, over independent
// GEMMs) with core/thread_pool.h, so every library runs single-threaded per
// call: LIBXSMM's kernels have no threads; oneDNN (Debian's build uses
// OpenMP) runs inline once each calling thread has set its own OpenMP
// thread count to 1 (on its first call); OpenBLAS's pool is set to one
// thread by default (SetBlasThreads() changes that for callers that run one
// big GEMM alone). Two spinning pools on two cores oversubscribe them badly.
//
// Determinism: for a given shape, each C element is the same sum in the
// same order on every call and from every thread (tests/core/gemm_test.cc),
// so results never depend on dagrad's thread count.
//
// Example:
//   Tensor a = ..., b = ...;                      // [m,k], [n,k]
//   Tensor c = Tensor::Zeros(Shape({m, n}));
//   RETURN_IF_ERROR(Gemm(false, true, 1.0f, a, b, 0.0f, &c));  // c = a b^T
#ifndef DAGRAD_CORE_GEMM_H_
#define DAGRAD_CORE_GEMM_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "core/tensor.h"

namespace dagrad {

// Gemm() checks that a, b and c are rank 2 with compatible dimensions and
// returns InvalidArgument naming all three shapes otherwise; c is unchanged
// on error. c must not alias a or b.
absl::Status Gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a,
                  const Tensor& b, float beta, Tensor* c);

// GemmRaw() is the unchecked form for kernels whose shapes the graph already
// validated. lda/ldb/ldc are row strides (in elements) of the stored A, B, C.
// It runs GemmLibraryFor() of its arguments.
void GemmRaw(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
             float alpha, const float* a, int64_t lda, const float* b,
             int64_t ldb, float beta, float* c, int64_t ldc);

// GemmLibrary: the libraries GemmRawWith() can run.
enum class GemmLibrary {
  kOpenBlas,  // cblas_sgemm (libopenblas-dev).
  kDnnl,      // dnnl_sgemm (libdnnl-dev, oneDNN 2.6).
  kLibxsmm,   // libxsmm_smmdispatch kernels (libxsmm-dev, LIBXSMM 1.17).
};

// GemmLibraryName() is "OpenBLAS", "oneDNN" or "LIBXSMM".
const char* GemmLibraryName(GemmLibrary library);

// LibxsmmHasKernel() says whether LIBXSMM generates a kernel for the call:
// trans_b false, alpha 1, beta 0 or 1, m*n*k at most 2^25, and its JIT
// supports this CPU and shape. It generates (and caches) the kernel.
bool LibxsmmHasKernel(bool trans_a, bool trans_b, int64_t m, int64_t n,
                      int64_t k, float alpha, float beta, int64_t lda,
                      int64_t ldb, int64_t ldc);

// GemmLibraryFor() is the library GemmRaw() runs for these arguments:
// kLibxsmm where LibxsmmHasKernel(), else kDnnl.
GemmLibrary GemmLibraryFor(bool trans_a, bool trans_b, int64_t m, int64_t n,
                           int64_t k, float alpha, float beta, int64_t lda,
                           int64_t ldb, int64_t ldc);

// GemmRawWith() is GemmRaw() on a named library, for the benchmarks and
// tests that compare them (benchmarks/gemm_bench.cc). kLibxsmm requires
// LibxsmmHasKernel().
void GemmRawWith(GemmLibrary library, bool trans_a, bool trans_b, int64_t m,
                 int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                 const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc);

// SetBlasThreads() sets OpenBLAS's thread count (>= 1) for later calls.
void SetBlasThreads(int num_threads);
// BlasThreads() is OpenBLAS's current thread count.
int BlasThreads();
// BlasCoreType() names the kernel set OpenBLAS chose, e.g. "Haswell" or
// "SkylakeX". The environment variable OPENBLAS_CORETYPE overrides it.
std::string BlasCoreType();
// BlasConfig() is OpenBLAS's build description.
std::string BlasConfig();

}  // namespace dagrad

#endif  // DAGRAD_CORE_GEMM_H_
