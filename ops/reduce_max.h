// ops/reduce_max.h: ReduceMax, y = max of x over all elements or one axis.
//
// Inputs: x [any]. Attrs: axis (ReduceAttrs::kAllAxes = every element, else
// an axis in [-rank, rank), negative counted from the end), keep_dims (as
// Sum and Mean, ops/reduction.h). Output: over all elements, the scalar []
// (all-ones dims with keep_dims); over an axis, x's shape without it (1
// with keep_dims). An empty reduction gives -inf; a NaN term gives NaN.
// The VJP routes dL/dy to the FIRST maximal element (in index order) of
// each reduced run: a tie is a kink, whose subgradient goes to the first.
// Errors: InvalidArgument naming ReduceMax, the axis and x's shape.
//
// Example:
//   ReduceMaxAttrs attrs;
//   attrs.axis = -1;  // logits [64,10] -> their row maxima [64]
#ifndef DAGRAD_OPS_REDUCE_MAX_H_
#define DAGRAD_OPS_REDUCE_MAX_H_

#include "ops/op.h"
#include "ops/reduction.h"

namespace dagrad {

// ReduceMaxAttrs: axis and keep_dims (ReduceAttrs, ops/reduction.h).
struct ReduceMaxAttrs : ReduceAttrs {
  static constexpr OpKind kKind = OpKind::kReduceMax;
};

absl::StatusOr<Shape> ReduceMaxShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs);
absl::Status ReduceMaxForward(const ForwardContext& ctx);
void ReduceMaxVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_REDUCE_MAX_H_
