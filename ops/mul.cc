#include "ops/mul.h"

#include "ops/broadcasting.h"

namespace dagrad {

absl::StatusOr<Shape> MulShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return BroadcastShape(OpKind::kMul, inputs);
}

// y = a * b   (a, b broadcast to y's shape)
absl::Status MulForward(const ForwardContext& ctx) {
  return BroadcastForward(ctx, [](float a, float b) { return a * b; });
}

// dL/da = sum_broadcast(dL/dy * b),  dL/db = sum_broadcast(dL/dy * a)
// where sum_broadcast sums over the axes along which that input was
// broadcast (nothing for an input of y's shape).
void MulVjp(const VjpContext& ctx) {
  if (ctx.wrt == 0) {
    BroadcastVjp(ctx, [](float dy, float, float b) { return dy * b; });
  } else {
    BroadcastVjp(ctx, [](float dy, float a, float) { return dy * a; });
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMul)
                       .Attrs<MulAttrs>()
                       .Shape(MulShape)
                       .Forward(MulForward)
                       .InPlace()
                       .Scratch(BroadcastTermScratch)
                       .Vjp(MulVjp, kVjpUsesInputs));

}  // namespace dagrad
