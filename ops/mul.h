// ops/mul.h: Mul, y = a * b, elementwise with NumPy-style broadcasting.
//
// Inputs: a [any], b [any broadcastable with a] (ops/broadcasting.h: shapes
// aligned at the last axis; each axis equal, or 1 in one of them).
// Output: y, the broadcast shape. Errors: InvalidArgument naming both shapes
// and the first axis that conflicts.
// The sums of the VJP over the broadcast axes run in a fixed order: results
// are bitwise the same at any thread count.
//
// Example: a [64,200] * b [64,1] -> y [64,200] (a per-row gate).
#ifndef DAGRAD_OPS_MUL_H_
#define DAGRAD_OPS_MUL_H_

#include "ops/op.h"

namespace dagrad {

struct MulAttrs {
  static constexpr OpKind kKind = OpKind::kMul;
};

absl::StatusOr<Shape> MulShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status MulForward(const ForwardContext& ctx);
void MulVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MUL_H_
