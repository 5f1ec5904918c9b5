// ops/swish.h: Swish, y = x * sigmoid(x) (SiLU), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// Smooth everywhere; sigmoid is vec_math.h's SigmoidOf().
//
// Example:
//   Swish(x [64,200]) -> y [64,200] (PyTorch SiLU).
#ifndef DAGRAD_OPS_SWISH_H_
#define DAGRAD_OPS_SWISH_H_

#include "ops/op.h"

namespace dagrad {

struct SwishAttrs {
  static constexpr OpKind kKind = OpKind::kSwish;
};

absl::StatusOr<Shape> SwishShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs);
absl::Status SwishForward(const ForwardContext& ctx);
void SwishVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SWISH_H_
