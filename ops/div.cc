#include "ops/div.h"

#include "ops/broadcasting.h"

namespace dagrad {

absl::StatusOr<Shape> DivShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return BroadcastShape(OpKind::kDiv, inputs);
}

// y = a / b   (a, b broadcast to y's shape)
absl::Status DivForward(const ForwardContext& ctx) {
  return BroadcastForward(ctx, [](float a, float b) { return a / b; });
}

// dL/da = sum_broadcast(dL/dy / b),
//   dL/db = sum_broadcast(-dL/dy * a / b^2)
// where sum_broadcast sums over the axes along which that input was
// broadcast (nothing for an input of y's shape).
void DivVjp(const VjpContext& ctx) {
  if (ctx.wrt == 0) {
    BroadcastVjp(ctx, [](float dy, float, float b) { return dy / b; });
  } else {
    BroadcastVjp(ctx,
                 [](float dy, float a, float b) { return -dy * a / (b * b); });
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kDiv)
                       .Attrs<DivAttrs>()
                       .Shape(DivShape)
                       .Forward(DivForward)
                       .Scratch(BroadcastTermScratch)
                       .Vjp(DivVjp, kVjpUsesInputs));

}  // namespace dagrad
