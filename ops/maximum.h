// ops/maximum.h: Maximum, y = max(a, b),
// elementwise with NumPy-style broadcasting.
//
// Inputs: a [any], b [any broadcastable with a] (ops/broadcasting.h: shapes
// aligned at the last axis; each axis equal, or 1 in one of them).
// Output: y, the broadcast shape. Errors: InvalidArgument naming both shapes
// and the first axis that conflicts.
// Ties (a == b) give y = a and send the whole gradient to a (input 0).
// The sums of the VJP over the broadcast axes run in a fixed order: results
// are bitwise the same at any thread count.
//
// Example: Maximum(x [64,200], zero []) is Relu with its tie at 0 sent to x.
#ifndef DAGRAD_OPS_MAXIMUM_H_
#define DAGRAD_OPS_MAXIMUM_H_

#include "ops/op.h"

namespace dagrad {

struct MaximumAttrs {
  static constexpr OpKind kKind = OpKind::kMaximum;
};

absl::StatusOr<Shape> MaximumShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status MaximumForward(const ForwardContext& ctx);
void MaximumVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MAXIMUM_H_
