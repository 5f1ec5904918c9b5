// ops/sub.h: Sub, y = a - b, elementwise with NumPy-style broadcasting.
//
// Inputs: a [any], b [any broadcastable with a] (ops/broadcasting.h: shapes
// aligned at the last axis; each axis equal, or 1 in one of them).
// Output: y, the broadcast shape. Errors: InvalidArgument naming both shapes
// and the first axis that conflicts.
// The sums of the VJP over the broadcast axes run in a fixed order: results
// are bitwise the same at any thread count.
//
// Example: a [8,3,4,4] - b [1,3,1,1] -> y [8,3,4,4] (a per-channel offset).
#ifndef DAGRAD_OPS_SUB_H_
#define DAGRAD_OPS_SUB_H_

#include "ops/op.h"

namespace dagrad {

struct SubAttrs {
  static constexpr OpKind kKind = OpKind::kSub;
};

absl::StatusOr<Shape> SubShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status SubForward(const ForwardContext& ctx);
void SubVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SUB_H_
