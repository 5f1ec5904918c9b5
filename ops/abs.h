// ops/abs.h: Abs, y = |x|, elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// The subgradient at x == 0 is 0 (a kink: tests keep inputs away from it).
//
// Example:
//   Abs(x [8]) -> y [8]; Sum(Abs(w)) is an L1 penalty.
#ifndef DAGRAD_OPS_ABS_H_
#define DAGRAD_OPS_ABS_H_

#include "ops/op.h"

namespace dagrad {

struct AbsAttrs {
  static constexpr OpKind kKind = OpKind::kAbs;
};

absl::StatusOr<Shape> AbsShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status AbsForward(const ForwardContext& ctx);
void AbsVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_ABS_H_
