// ops/exp.h: Exp, y = exp(x), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// Overflows to inf above x = 88.72 (as expf);
// the VJP reads only the output: dL/dx = dL/dy * y.
//
// Example:
//   Exp(x [4,10]) -> y [4,10]; Exp(Log(x)) == x for x > 0.
#ifndef DAGRAD_OPS_EXP_H_
#define DAGRAD_OPS_EXP_H_

#include "ops/op.h"

namespace dagrad {

struct ExpAttrs {
  static constexpr OpKind kKind = OpKind::kExp;
};

absl::StatusOr<Shape> ExpShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status ExpForward(const ForwardContext& ctx);
void ExpVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_EXP_H_
