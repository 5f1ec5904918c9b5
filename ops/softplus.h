// ops/softplus.h: Softplus, y = log(1 + exp(x)), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// Stable for every float (no overflow for large x, no loss for large
// negative x; ops/cpu/activation_math.h SoftplusOf()).
//
// Example:
//   Softplus(x [64,10]) -> y [64,10], a smooth Relu.
#ifndef DAGRAD_OPS_SOFTPLUS_H_
#define DAGRAD_OPS_SOFTPLUS_H_

#include "ops/op.h"

namespace dagrad {

struct SoftplusAttrs {
  static constexpr OpKind kKind = OpKind::kSoftplus;
};

absl::StatusOr<Shape> SoftplusShape(absl::Span<const Shape> inputs,
                                    const OpAttrs& attrs);
absl::Status SoftplusForward(const ForwardContext& ctx);
void SoftplusVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SOFTPLUS_H_
