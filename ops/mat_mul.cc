#include "ops/mat_mul.h"

#include "absl/strings/str_cat.h"
#include "ops/cpu/row_block_gemm.h"

namespace dagrad {
namespace {

// ParallelGemm() is RowBlockGemm() with MatMul's fixed kMatMulRowBlock.
void ParallelGemm(ThreadPool* pool, bool trans_a, bool trans_b, int64_t m,
                  int64_t n, int64_t k, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float* c, int64_t ldc) {
  RowBlockGemm(pool, kMatMulRowBlock, trans_a, trans_b, m, n, k, a, lda, b, ldb,
               c, ldc);
}

}  // namespace

absl::StatusOr<Shape> MatMulShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs) {
  const auto& at = AttrsAs<MatMulAttrs>(attrs);
  const std::string flags =
      absl::StrCat(" (transpose_a=", at.transpose_a ? "true" : "false",
                   ", transpose_b=", at.transpose_b ? "true" : "false", ")");
  if (inputs[0].rank() != 2 || inputs[1].rank() != 2) {
    return ShapeError(
        OpKind::kMatMul, inputs,
        absl::StrCat("a ", inputs[0].DebugString(), " and b ",
                     inputs[1].DebugString(), " must both be rank 2"));
  }
  const int64_t m = inputs[0].dim(at.transpose_a ? 1 : 0);
  const int64_t ka = inputs[0].dim(at.transpose_a ? 0 : 1);
  const int64_t kb = inputs[1].dim(at.transpose_b ? 1 : 0);
  const int64_t n = inputs[1].dim(at.transpose_b ? 0 : 1);
  if (ka != kb) {
    return ShapeError(
        OpKind::kMatMul, inputs,
        absl::StrCat("inner dimensions differ: a ", inputs[0].DebugString(),
                     " gives K=", ka, " but b ", inputs[1].DebugString(),
                     " gives K=", kb, flags));
  }
  return Shape({m, n});
}

// y[M,N] = op(a)[M,K] · op(b)[K,N]
absl::Status MatMulForward(const ForwardContext& ctx) {
  const auto& at = AttrsAs<MatMulAttrs>(ctx.attrs);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const int64_t m = ctx.output->shape().dim(0);
  const int64_t n = ctx.output->shape().dim(1);
  const int64_t k = a.shape().dim(at.transpose_a ? 0 : 1);
  ParallelGemm(ctx.pool, at.transpose_a, at.transpose_b, m, n, k, a.data(),
               a.shape().dim(1), b.data(), b.shape().dim(1), ctx.output->data(),
               n);
  return absl::OkStatus();
}

// With g = dL/dy [M,N]:
//   d op(a) = g · op(b)^T [M,K],   d op(b) = op(a)^T · g [K,N]. So
//   a [M,K]  (no transpose_a):  da = g · op(b)^T        [M,K]
//   a [K,M]  (transpose_a):     da = op(b) · g^T        [K,M]
//   b [K,N]  (no transpose_b):  db = op(a)^T · g        [K,N]
//   b [N,K]  (transpose_b):     db = g^T · op(a)        [N,K]
// where op(b)^T is b^T when b is stored [K,N] and b when stored [N,K]
// (likewise for a), so each case is one GEMM on the stored matrices.
void MatMulVjp(const VjpContext& ctx) {
  const auto& at = AttrsAs<MatMulAttrs>(ctx.attrs);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const float* g = ctx.grad_output.data();
  const int64_t m = ctx.grad_output.shape().dim(0);
  const int64_t n = ctx.grad_output.shape().dim(1);
  const int64_t k = a.shape().dim(at.transpose_a ? 0 : 1);
  const int64_t lda = a.shape().dim(1);
  const int64_t ldb = b.shape().dim(1);
  float* out = ctx.grad_input->data();
  if (ctx.wrt == 0) {
    if (!at.transpose_a) {
      ParallelGemm(ctx.pool, false, !at.transpose_b, m, k, n, g, n, b.data(),
                   ldb, out, k);
    } else {
      ParallelGemm(ctx.pool, at.transpose_b, true, k, m, n, b.data(), ldb, g, n,
                   out, m);
    }
  } else {
    if (!at.transpose_b) {
      ParallelGemm(ctx.pool, !at.transpose_a, false, k, n, m, a.data(), lda, g,
                   n, out, n);
    } else {
      ParallelGemm(ctx.pool, true, at.transpose_a, n, k, m, g, n, a.data(), lda,
                   out, k);
    }
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMatMul)
                       .Attrs<MatMulAttrs>()
                       .Shape(MatMulShape)
                       .Forward(MatMulForward)
                       .Vjp(MatMulVjp, kVjpUsesInputs));

}  // namespace dagrad
