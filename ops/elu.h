// ops/elu.h: Elu, y = x > 0 ? x : alpha * (exp(x) - 1), elementwise.
//
// Inputs: x [any]. Attrs: alpha (finite; default 1). Output: y, the shape
// of x. Smooth at 0 only for alpha == 1 (otherwise a kink: tests keep inputs
// away from it). Errors: InvalidArgument when alpha is not finite.
//
// Example:
//   Elu(x [64,200]) with EluAttrs{} (alpha 1) -> y [64,200] in (-1, inf).
#ifndef DAGRAD_OPS_ELU_H_
#define DAGRAD_OPS_ELU_H_

#include "ops/op.h"

namespace dagrad {

struct EluAttrs {
  static constexpr OpKind kKind = OpKind::kElu;
  float alpha = 1.0f;
};

absl::StatusOr<Shape> EluShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status EluForward(const ForwardContext& ctx);
void EluVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_ELU_H_
