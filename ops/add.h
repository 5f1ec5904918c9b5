// ops/add.h: Add, y = a + b, elementwise with NumPy-style broadcasting.
//
// Inputs: a [any], b [any broadcastable with a] (ops/broadcasting.h: shapes
// aligned at the last axis; each axis equal, or 1 in one of them).
// Output: y, the broadcast shape. Errors: InvalidArgument naming both shapes
// and the first axis that conflicts.
// The graph also uses Add to accumulate the gradients of fan-out, where
// both operands have equal shapes (the plain elementwise loop).
// The sums of the VJP over the broadcast axes run in a fixed order: results
// are bitwise the same at any thread count.
//
// Example: a [64,200] + b [200] -> y [64,200]; dL/db [200] is dL/dy summed
// over axis 0.
#ifndef DAGRAD_OPS_ADD_H_
#define DAGRAD_OPS_ADD_H_

#include "ops/op.h"

namespace dagrad {

struct AddAttrs {
  static constexpr OpKind kKind = OpKind::kAdd;
};

absl::StatusOr<Shape> AddShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status AddForward(const ForwardContext& ctx);
void AddVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_ADD_H_
