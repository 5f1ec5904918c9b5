// ops/leaky_relu.h: LeakyRelu, y = x > 0 ? x : alpha * x, elementwise.
//
// Inputs: x [any]. Attrs: alpha (finite; default 0.01). Output: y, the shape
// of x. The subgradient at x == 0 is alpha (a kink: tests keep inputs away
// from it). Errors: InvalidArgument when alpha is not finite.
//
// Example:
//   LeakyReluAttrs attrs;
//   attrs.alpha = 0.2f;  // LeakyRelu(x [64,200]) -> y [64,200]
#ifndef DAGRAD_OPS_LEAKY_RELU_H_
#define DAGRAD_OPS_LEAKY_RELU_H_

#include "ops/op.h"

namespace dagrad {

struct LeakyReluAttrs {
  static constexpr OpKind kKind = OpKind::kLeakyRelu;
  float alpha = 0.01f;
};

absl::StatusOr<Shape> LeakyReluShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs);
absl::Status LeakyReluForward(const ForwardContext& ctx);
void LeakyReluVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_LEAKY_RELU_H_
