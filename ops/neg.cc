#include "ops/neg.h"

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> NegShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return inputs[0];
}

// y = -x
absl::Status NegForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return -x; });
  return absl::OkStatus();
}

// dL/dx = -dL/dy
void NegVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.grad_output.data(),
              ctx.grad_input->data(), [](float dy) { return -dy; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kNeg)
                       .Attrs<NegAttrs>()
                       .Shape(NegShape)
                       .Forward(NegForward)
                       .Vjp(NegVjp, kVjpUsesNothing));

}  // namespace dagrad
