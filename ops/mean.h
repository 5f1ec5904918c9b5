// ops/mean.h: Mean, y = mean of x over some axes or over all elements.
//
// Inputs: x [any]. Attrs: axes (the reduced axes, each in [-rank, rank),
// negative counted from the end, none twice; empty = every element),
// keep_dims. Output: x's shape without the reduced axes (each kept as 1
// with keep_dims); over all elements, the scalar [] (all-ones dims with
// keep_dims). The VJP broadcasts dL/dy back over the reduced axes (scaled by
// 1/count). Errors: InvalidArgument naming Mean, the axes and x's shape (an
// axis out of range, an axis listed twice). The all-elements mean uses fixed
// blocks (ops/cpu/reduce.h) and a mean over some axes a fixed order per output:
// bitwise the same at any thread count.
//
// Example:
//   MeanAttrs attrs;
//   attrs.axes = {2, 3};  // NCHW [64,16,7,7] -> [64,16]
//   attrs.keep_dims = true;  // -> [64,16,1,1]
#ifndef DAGRAD_OPS_MEAN_H_
#define DAGRAD_OPS_MEAN_H_

#include "ops/op.h"
#include "ops/reduction.h"

namespace dagrad {

// MeanAttrs: axes and keep_dims (ReduceAxesAttrs, ops/reduction.h).
struct MeanAttrs : ReduceAxesAttrs {
  static constexpr OpKind kKind = OpKind::kMean;
};

absl::StatusOr<Shape> MeanShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs);
absl::Status MeanForward(const ForwardContext& ctx);
void MeanVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MEAN_H_
