// ops/mean.h: Mean, y = mean of x over all elements or over one axis.
//
// Inputs: x [any]. Attrs: axis (kAllAxes = every element, else an axis in
// [-rank, rank), negative counted from the end), keep_dims.
// Output: over all elements, the scalar [] (or all-ones dims with keep_dims);
// over an axis, x's shape without that axis (or with it as 1 with keep_dims).
// The all-elements mean uses fixed blocks (ops/cpu/reduce.h), so it is
// bitwise the same at any thread count.
#ifndef DAGRAD_OPS_MEAN_H_
#define DAGRAD_OPS_MEAN_H_

#include "ops/op.h"
#include "ops/reduction.h"

namespace dagrad {

// MeanAttrs: axis and keep_dims (ReduceAttrs, ops/reduction.h).
struct MeanAttrs : ReduceAttrs {
  static constexpr OpKind kKind = OpKind::kMean;
};

absl::StatusOr<Shape> MeanShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs);
absl::Status MeanForward(const ForwardContext& ctx);
void MeanVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MEAN_H_
