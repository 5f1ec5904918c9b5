// ops/pow.h: Pow, y = x^p for a scalar exponent p, elementwise.
//
// Inputs: x [any]. Attrs: exponent p (finite; default 2). Output: y, the
// shape of x. Follows std::pow: x < 0 with a non-integer p gives NaN.
// Errors: InvalidArgument when p is not finite.
//
// Example:
//   PowAttrs attrs;
//   attrs.exponent = 3.0f;  // Pow(x [5]) -> x^3 [5]
#ifndef DAGRAD_OPS_POW_H_
#define DAGRAD_OPS_POW_H_

#include "ops/op.h"

namespace dagrad {

struct PowAttrs {
  static constexpr OpKind kKind = OpKind::kPow;
  float exponent = 2.0f;
};

absl::StatusOr<Shape> PowShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status PowForward(const ForwardContext& ctx);
void PowVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_POW_H_
