// ops/tanh.h: Tanh, y = tanh(x), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x, in [-1, 1].
// Stable for every float: Tanh(+-1000) and Tanh(+-inf) are exactly +-1,
// tanh(-0) is -0, NaN propagates. Relative error is below 1e-6 against the
// exact value (tests/ops/tanh_test.cc sweeps the whole float line).
// The VJP reads only the output: dL/dx = dL/dy * (1 - y^2).
//
// Example:
//   ASSIGN_OR_RETURN(Tensor y, RunForward(OpKind::kTanh, TanhAttrs{}, {&x}));
#ifndef DAGRAD_OPS_TANH_H_
#define DAGRAD_OPS_TANH_H_

#include "ops/op.h"

namespace dagrad {

struct TanhAttrs {
  static constexpr OpKind kKind = OpKind::kTanh;
};

// TanhShape() returns the input shape (any rank, unknown batch included).
absl::StatusOr<Shape> TanhShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs);
absl::Status TanhForward(const ForwardContext& ctx);
void TanhVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_TANH_H_
