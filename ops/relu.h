// ops/relu.h: Relu, y = max(x, 0), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x. The subgradient at x == 0 is 0.
#ifndef DAGRAD_OPS_RELU_H_
#define DAGRAD_OPS_RELU_H_

#include "ops/op.h"

namespace dagrad {

struct ReluAttrs {
  static constexpr OpKind kKind = OpKind::kRelu;
};

absl::StatusOr<Shape> ReluShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs);
absl::Status ReluForward(const ForwardContext& ctx);
void ReluVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_RELU_H_
