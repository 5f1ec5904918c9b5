// ops/neg.h: Neg, y = -x, elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// Exact (a sign flip). The VJP reads no forward tensor.
//
// Example:
//   Neg(x [4]) -> y [4]; Add(a, Neg(b)) equals Sub(a, b) bit for bit.
#ifndef DAGRAD_OPS_NEG_H_
#define DAGRAD_OPS_NEG_H_

#include "ops/op.h"

namespace dagrad {

struct NegAttrs {
  static constexpr OpKind kKind = OpKind::kNeg;
};

absl::StatusOr<Shape> NegShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status NegForward(const ForwardContext& ctx);
void NegVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_NEG_H_
