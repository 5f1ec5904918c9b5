// core/gemm.h: single-precision matrix multiply, backed by OpenBLAS.
//
// All matrices are row-major. Gemm computes
//   C = alpha * op(A) * op(B) + beta * C,   op(X) = X or X^T,
// with op(A) [m,k], op(B) [k,n] and C [m,n]. With beta == 0, C's previous
// contents are ignored (NaNs in C do not propagate).
//
// Threads: dagrad parallelizes above GEMM (over images, over independent
// GEMMs) with core/thread_pool.h, so OpenBLAS's own pool is set to one thread
// by default; two spinning pools on two cores oversubscribe them badly.
// SetBlasThreads() changes that for callers that run one big GEMM alone.
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
void GemmRaw(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
             float alpha, const float* a, int64_t lda, const float* b,
             int64_t ldb, float beta, float* c, int64_t ldc);

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
