#include "ops/relu.h"

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> ReluShape(absl::Span<const Shape> inputs,
                                const OpAttrs&) {
  return inputs[0];
}

// y = max(x, 0)
absl::Status ReluForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return x > 0.0f ? x : 0.0f; });
  return absl::OkStatus();
}

// dL/dx = dL/dy * [y > 0]   (y > 0 exactly when x > 0; 0 at x == 0)
void ReluVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.output->data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float y, float dy) { return y > 0.0f ? dy : 0.0f; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kRelu)
                       .Attrs<ReluAttrs>()
                       .Shape(ReluShape)
                       .Forward(ReluForward)
                       .InPlace()
                       .Vjp(ReluVjp, kVjpUsesOutput));

}  // namespace dagrad
