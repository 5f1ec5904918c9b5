// ops/mat_mul.h: MatMul, y = op(a) · op(b), with op(t) = t or t^T.
//
// Inputs: a [M,K] ([K,M] if transpose_a), b [K,N] ([N,K] if transpose_b),
// both rank 2 with matching inner dimension K. Output: y [M,N].
// The forward and both VJPs run OpenBLAS sgemm (core/gemm.h GemmRaw) on
// fixed blocks of kMatMulRowBlock output rows split over the pool
// (ops/cpu/row_block_gemm.h), so results are bitwise equal at any thread
// count.
#ifndef DAGRAD_OPS_MAT_MUL_H_
#define DAGRAD_OPS_MAT_MUL_H_

#include <cstdint>
#include <utility>

#include "ops/op.h"

namespace dagrad {

struct MatMulAttrs {
  static constexpr OpKind kKind = OpKind::kMatMul;
  bool transpose_a = false;
  bool transpose_b = false;

  friend bool operator==(const MatMulAttrs& a, const MatMulAttrs& b) {
    return a.transpose_a == b.transpose_a && a.transpose_b == b.transpose_b;
  }
  template <typename H>
  friend H AbslHashValue(H h, const MatMulAttrs& a) {
    return H::combine(std::move(h), a.transpose_a, a.transpose_b);
  }
};

// kMatMulRowBlock is the number of output rows one GEMM call computes. Fixed
// (not derived from the thread count) so the results never depend on it.
inline constexpr int64_t kMatMulRowBlock = 32;

absl::StatusOr<Shape> MatMulShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs);
absl::Status MatMulForward(const ForwardContext& ctx);
void MatMulVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MAT_MUL_H_
