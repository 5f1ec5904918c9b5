#include "ops/add.h"

#include "ops/broadcasting.h"

namespace dagrad {

absl::StatusOr<Shape> AddShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return BroadcastShape(OpKind::kAdd, inputs);
}

// y = a + b   (a, b broadcast to y's shape)
absl::Status AddForward(const ForwardContext& ctx) {
  return BroadcastForward(ctx, [](float a, float b) { return a + b; });
}

// dL/da = sum_broadcast(dL/dy),  dL/db = sum_broadcast(dL/dy)
// where sum_broadcast sums over the axes along which that input was
// broadcast (nothing for an input of y's shape).
void AddVjp(const VjpContext& ctx) { BroadcastLinearVjp(ctx, 1.0f); }

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kAdd)
                       .Attrs<AddAttrs>()
                       .Shape(AddShape)
                       .Forward(AddForward)
                       .InPlace()
                       .Scratch(BroadcastSumScratch)
                       .Vjp(AddVjp, kVjpUsesNothing));

}  // namespace dagrad
