#include "ops/sub.h"

#include "ops/broadcasting.h"

namespace dagrad {

absl::StatusOr<Shape> SubShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return BroadcastShape(OpKind::kSub, inputs);
}

// y = a - b   (a, b broadcast to y's shape)
absl::Status SubForward(const ForwardContext& ctx) {
  return BroadcastForward(ctx, [](float a, float b) { return a - b; });
}

// dL/da = sum_broadcast(dL/dy),  dL/db = -sum_broadcast(dL/dy)
// where sum_broadcast sums over the axes along which that input was
// broadcast (nothing for an input of y's shape).
void SubVjp(const VjpContext& ctx) {
  BroadcastLinearVjp(ctx, ctx.wrt == 0 ? 1.0f : -1.0f);
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSub)
                       .Attrs<SubAttrs>()
                       .Shape(SubShape)
                       .Forward(SubForward)
                       .Scratch(BroadcastSumScratch)
                       .Vjp(SubVjp, kVjpUsesNothing));

}  // namespace dagrad
