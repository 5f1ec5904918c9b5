// ops/sigmoid.h: Sigmoid, y = 1 / (1 + exp(-x)), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x, in [0, 1].
// Numerically stable for every float: exp is only ever taken of -|x|, so
// nothing overflows; Sigmoid(+-1000) is exactly 1 / 0 and Sigmoid(+-inf) is
// 1 / 0. NaN propagates. Relative error is below 1e-6 against the exact
// value wherever the result is a normal float (tests/ops/sigmoid_test.cc
// sweeps the whole float line).
// The VJP reads only the output: dL/dx = dL/dy * y * (1 - y).
//
// Example:
//   ASSIGN_OR_RETURN(Tensor y, RunForward(OpKind::kSigmoid, SigmoidAttrs{},
//                                         {&x}));
#ifndef DAGRAD_OPS_SIGMOID_H_
#define DAGRAD_OPS_SIGMOID_H_

#include "ops/op.h"

namespace dagrad {

struct SigmoidAttrs {
  static constexpr OpKind kKind = OpKind::kSigmoid;
};

// SigmoidShape() returns the input shape (any rank, unknown batch included).
absl::StatusOr<Shape> SigmoidShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status SigmoidForward(const ForwardContext& ctx);
void SigmoidVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SIGMOID_H_
