#include "ops/exp.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> ExpShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return inputs[0];
}

// y = exp(x)
absl::Status ExpForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return std::exp(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * y
void ExpVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.output->data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float y, float dy) { return dy * y; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kExp)
                       .Attrs<ExpAttrs>()
                       .Shape(ExpShape)
                       .Forward(ExpForward)
                       .Vjp(ExpVjp, kVjpUsesOutput));

}  // namespace dagrad
