#include "ops/maximum.h"

#include "ops/broadcasting.h"

namespace dagrad {

absl::StatusOr<Shape> MaximumShape(absl::Span<const Shape> inputs,
                                   const OpAttrs&) {
  return BroadcastShape(OpKind::kMaximum, inputs);
}

// y = max(a, b)   (a, b broadcast to y's shape)
absl::Status MaximumForward(const ForwardContext& ctx) {
  return BroadcastForward(ctx, [](float a, float b) { return a >= b ? a : b; });
}

// dL/da = sum_broadcast(dL/dy * [a >= b]),
//   dL/db = sum_broadcast(dL/dy * [a < b])   (a tie sends dL/dy to a)
// where sum_broadcast sums over the axes along which that input was
// broadcast (nothing for an input of y's shape).
void MaximumVjp(const VjpContext& ctx) {
  if (ctx.wrt == 0) {
    BroadcastVjp(ctx,
                 [](float dy, float a, float b) { return a >= b ? dy : 0.0f; });
  } else {
    BroadcastVjp(ctx,
                 [](float dy, float a, float b) { return a >= b ? 0.0f : dy; });
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMaximum)
                       .Attrs<MaximumAttrs>()
                       .Shape(MaximumShape)
                       .Forward(MaximumForward)
                       .Scratch(BroadcastTermScratch)
                       .Vjp(MaximumVjp, kVjpUsesInputs));

}  // namespace dagrad
