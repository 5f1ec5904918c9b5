// ops/minimum.h: Minimum, y = min(a, b),
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
// Example: Minimum(x [64,200], cap [200]) clips each column at its own cap.
#ifndef DAGRAD_OPS_MINIMUM_H_
#define DAGRAD_OPS_MINIMUM_H_

#include "ops/op.h"

namespace dagrad {

struct MinimumAttrs {
  static constexpr OpKind kKind = OpKind::kMinimum;
};

absl::StatusOr<Shape> MinimumShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status MinimumForward(const ForwardContext& ctx);
void MinimumVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MINIMUM_H_
