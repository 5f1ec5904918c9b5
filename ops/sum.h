// ops/sum.h: Sum, y = sum of x over some axes or over all elements.
//
// Inputs: x [any]. Attrs: axes (the reduced axes, each in [-rank, rank),
// negative counted from the end, none twice; empty = every element),
// keep_dims. Output: x's shape without the reduced axes (each kept as 1
// with keep_dims); over all elements, the scalar [] (all-ones dims with
// keep_dims). The VJP broadcasts dL/dy back over the reduced axes.
// Errors: InvalidArgument naming Sum, the axes and x's shape (an axis out
// of range, an axis listed twice).
// The all-elements sum uses fixed blocks (ops/cpu/reduce.h) and a sum
// over some axes a fixed order per output: bitwise the same at any thread
// count.
//
// Example:
//   SumAttrs attrs;
//   attrs.axes = {2, 3};  // NCHW [64,16,7,7] -> [64,16]
//   attrs.keep_dims = true;  // -> [64,16,1,1]
#ifndef DAGRAD_OPS_SUM_H_
#define DAGRAD_OPS_SUM_H_

#include "ops/op.h"
#include "ops/reduction.h"

namespace dagrad {

// SumAttrs: axes and keep_dims (ReduceAxesAttrs, ops/reduction.h).
struct SumAttrs : ReduceAxesAttrs {
  static constexpr OpKind kKind = OpKind::kSum;
};

absl::StatusOr<Shape> SumShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status SumForward(const ForwardContext& ctx);
void SumVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SUM_H_
