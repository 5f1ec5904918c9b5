#include "ops/minimum.h"

#include "ops/broadcasting.h"

namespace dagrad {

absl::StatusOr<Shape> MinimumShape(absl::Span<const Shape> inputs,
                                   const OpAttrs&) {
  return BroadcastShape(OpKind::kMinimum, inputs);
}

// y = min(a, b)   (a, b broadcast to y's shape)
absl::Status MinimumForward(const ForwardContext& ctx) {
  return BroadcastForward(ctx, [](float a, float b) { return a <= b ? a : b; });
}

// dL/da = sum_broadcast(dL/dy * [a <= b]),
//   dL/db = sum_broadcast(dL/dy * [a > b])   (a tie sends dL/dy to a)
// where sum_broadcast sums over the axes along which that input was
// broadcast (nothing for an input of y's shape).
void MinimumVjp(const VjpContext& ctx) {
  if (ctx.wrt == 0) {
    BroadcastVjp(ctx,
                 [](float dy, float a, float b) { return a <= b ? dy : 0.0f; });
  } else {
    BroadcastVjp(ctx,
                 [](float dy, float a, float b) { return a <= b ? 0.0f : dy; });
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMinimum)
                       .Attrs<MinimumAttrs>()
                       .Shape(MinimumShape)
                       .Forward(MinimumForward)
                       .Scratch(BroadcastTermScratch)
                       .Vjp(MinimumVjp, kVjpUsesInputs));

}  // namespace dagrad
