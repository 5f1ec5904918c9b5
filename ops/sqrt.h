// ops/sqrt.h: Sqrt, y = sqrt(x), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// Defined for x >= 0 (sqrt(x < 0) = NaN); at x = 0 the gradient is inf.
// The VJP reads only the output.
//
// Example:
//   Sqrt(variance [64,1]) -> standard deviation [64,1].
#ifndef DAGRAD_OPS_SQRT_H_
#define DAGRAD_OPS_SQRT_H_

#include "ops/op.h"

namespace dagrad {

struct SqrtAttrs {
  static constexpr OpKind kKind = OpKind::kSqrt;
};

absl::StatusOr<Shape> SqrtShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs);
absl::Status SqrtForward(const ForwardContext& ctx);
void SqrtVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SQRT_H_
