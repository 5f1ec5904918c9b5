#include "ops/sigmoid.h"

#include "ops/cpu/parallel_map.h"
#include "ops/cpu/vec_math.h"

namespace dagrad {

absl::StatusOr<Shape> SigmoidShape(absl::Span<const Shape> inputs,
                                   const OpAttrs&) {
  return inputs[0];
}

// y = 1 / (1 + exp(-x))
absl::Status SigmoidForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return SigmoidOf(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * y * (1 - y)   [shape of x]
void SigmoidVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.output->data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float y, float dy) { return dy * (y * (1.0f - y)); });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSigmoid)
                       .Attrs<SigmoidAttrs>()
                       .Shape(SigmoidShape)
                       .Forward(SigmoidForward)
                       .InPlace()
                       .Vjp(SigmoidVjp, kVjpUsesOutput));

}  // namespace dagrad
