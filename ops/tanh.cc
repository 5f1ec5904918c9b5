#include "ops/tanh.h"

#include "ops/cpu/parallel_map.h"
#include "ops/cpu/vec_math.h"

namespace dagrad {

absl::StatusOr<Shape> TanhShape(absl::Span<const Shape> inputs,
                                const OpAttrs&) {
  return inputs[0];
}

// y = tanh(x)
absl::Status TanhForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return TanhOf(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * (1 - y^2)   [shape of x]
void TanhVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.output->data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float y, float dy) { return dy * (1.0f - y * y); });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kTanh)
                       .Attrs<TanhAttrs>()
                       .Shape(TanhShape)
                       .Forward(TanhForward)
                       .InPlace()
                       .Vjp(TanhVjp, kVjpUsesOutput));

}  // namespace dagrad
