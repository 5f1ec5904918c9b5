#include "ops/swish.h"

#include "ops/cpu/activation_math.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> SwishShape(absl::Span<const Shape> inputs,
                                 const OpAttrs&) {
  return inputs[0];
}

// y = x * sigmoid(x)
absl::Status SwishForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return SwishOf(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * s * (1 + x * (1 - s)),  s = sigmoid(x)
void SwishVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.input(0).data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float x, float dy) { return dy * SwishGrad(x); });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSwish)
                       .Attrs<SwishAttrs>()
                       .Shape(SwishShape)
                       .Forward(SwishForward)
                       .Vjp(SwishVjp, kVjpUsesInputs));

}  // namespace dagrad
