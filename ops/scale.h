// ops/scale.h: Scale, y = alpha * x, elementwise.
//
// Inputs: x [any]. Attrs: alpha (any finite float). Output: y, the shape of x.
#ifndef DAGRAD_OPS_SCALE_H_
#define DAGRAD_OPS_SCALE_H_

#include "ops/op.h"

namespace dagrad {

struct ScaleAttrs {
  static constexpr OpKind kKind = OpKind::kScale;
  float alpha = 1.0f;
};

absl::StatusOr<Shape> ScaleShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs);
absl::Status ScaleForward(const ForwardContext& ctx);
void ScaleVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SCALE_H_
