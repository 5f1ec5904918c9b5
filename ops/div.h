// ops/div.h: Div, y = a / b, elementwise with NumPy-style broadcasting.
//
// Inputs: a [any], b [any broadcastable with a] (ops/broadcasting.h: shapes
// aligned at the last axis; each axis equal, or 1 in one of them).
// Output: y, the broadcast shape. Errors: InvalidArgument naming both shapes
// and the first axis that conflicts.
// Division by zero follows IEEE (inf or NaN), as does its gradient.
// The sums of the VJP over the broadcast axes run in a fixed order: results
// are bitwise the same at any thread count.
//
// Example: a [64,10] / b [64,1] -> y [64,10] (rows divided by their norms).
#ifndef DAGRAD_OPS_DIV_H_
#define DAGRAD_OPS_DIV_H_

#include "ops/op.h"

namespace dagrad {

struct DivAttrs {
  static constexpr OpKind kKind = OpKind::kDiv;
};

absl::StatusOr<Shape> DivShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status DivForward(const ForwardContext& ctx);
void DivVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_DIV_H_
