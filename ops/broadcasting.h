// ops/broadcasting.h: the definition shared by the broadcasting binary ops
// (Add, Sub, Mul, Div, Maximum, Minimum): y = f(a, b) under NumPy's rules,
// and dL/dx summed over the axes along which x was broadcast.
//
// Broadcasting: the shapes are aligned at their last axis (missing leading
// axes count as 1); along each axis the sizes must be equal or one of them
// 1, and the output takes the larger. An unknown dimension (?) matches ?
// and 1 (giving ?) and a known size d (giving d: at run time it must be 1
// or d, which the executor's shape inference at the bound batch checks).
//
//  - BroadcastShape(): the ops' shape function.
//  - BroadcastForward(): y = f(a, b).
//  - BroadcastLinearVjp(): dL/dx = sign * sum_broadcast(dy) (Add, Sub).
//  - BroadcastVjp(): dL/dx = sum_broadcast(g(dy, a, b)) (Mul, Div, ...).
//  - BroadcastSumScratch() / BroadcastTermScratch(): their ScratchFns.
//
// Equal shapes take the plain elementwise loops of ops/cpu/parallel_map.h
// (bitwise the results Add and Mul gave before broadcasting existed).
// Determinism: the sums over broadcast axes run in a fixed order
// (ops/cpu/broadcast.h SumToShape()): bitwise the same at any thread count.
//
// Example (ops/mul.cc):
//   absl::Status MulForward(const ForwardContext& ctx) {
//     return BroadcastForward(ctx, [](float a, float b) { return a * b; });
//   }
//   void MulVjp(const VjpContext& ctx) {
//     if (ctx.wrt == 0) {
//       BroadcastVjp(ctx, [](float dy, float, float b) { return dy * b; });
//     } else {
//       BroadcastVjp(ctx, [](float dy, float a, float) { return dy * a; });
//     }
//   }
#ifndef DAGRAD_OPS_BROADCASTING_H_
#define DAGRAD_OPS_BROADCASTING_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/cpu/broadcast.h"
#include "ops/cpu/parallel_map.h"
#include "ops/op.h"

namespace dagrad {

// BroadcastShape() is a op b's output shape under the rules above, or
// InvalidArgument "<Op>: a [..] and b [..] do not broadcast (axis <d>: x vs
// y); inputs [..], [..]".
absl::StatusOr<Shape> BroadcastShape(OpKind kind,
                                     absl::Span<const Shape> inputs);

// BroadcastSumScratch() is the ScratchFn of ops whose VJP is
// BroadcastLinearVjp(); BroadcastTermScratch() of those using
// BroadcastVjp(). Both are 0 unless input `wrt` is broadcast.
int64_t BroadcastSumScratch(const ShapeQuery& query, int wrt);
int64_t BroadcastTermScratch(const ShapeQuery& query, int wrt);

// BroadcastForward() sets y = f(a, b) elementwise under broadcasting. f
// must be a pure function (a capture-less lambda).
template <typename F>
absl::Status BroadcastForward(const ForwardContext& ctx, F f) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.shape() == b.shape()) {
    ParallelMap(ctx.pool, ctx.output->size(), a.data(), b.data(),
                ctx.output->data(), f);
  } else {
    BroadcastMap(ctx.pool, MakeBroadcastLayout(a.shape(), b.shape()), a.data(),
                 b.data(), ctx.output->data(), f);
  }
  return absl::OkStatus();
}

// BroadcastLinearVjp() sets dL/dx = sign * dL/dy summed over the axes along
// which input ctx.wrt was broadcast. Reads no forward tensor.
void BroadcastLinearVjp(const VjpContext& ctx, float sign);

// BroadcastVjp() sets dL/dx = sum over the broadcast axes of input ctx.wrt
// of g(dy, a, b), evaluated at every output element. Reads both inputs
// (kVjpUsesInputs); scratch is BroadcastTermScratch().
template <typename G>
void BroadcastVjp(const VjpContext& ctx, G g) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& dy = ctx.grad_output;
  float* dx = ctx.grad_input->data();
  if (a.shape() == b.shape()) {
    ParallelMap(ctx.pool, dy.size(), dy.data(), a.data(), b.data(), dx, g);
    return;
  }
  const BroadcastLayout layout = MakeBroadcastLayout(a.shape(), b.shape());
  if (ctx.grad_input->size() == dy.size()) {  // Not broadcast: no sum.
    BroadcastMapWithDy(ctx.pool, layout, dy.data(), a.data(), b.data(), dx, g);
    return;
  }
  BroadcastMapWithDy(ctx.pool, layout, dy.data(), a.data(), b.data(),
                     ctx.scratch, g);
  SumToShape(ctx.pool, ctx.scratch, dy.shape(), ctx.grad_input->shape(), 1.0f,
             ctx.scratch + dy.size(), dx);
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_BROADCASTING_H_
