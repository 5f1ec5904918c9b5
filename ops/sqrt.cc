#include "ops/sqrt.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> SqrtShape(absl::Span<const Shape> inputs,
                                const OpAttrs&) {
  return inputs[0];
}

// y = sqrt(x)
absl::Status SqrtForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return std::sqrt(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * 0.5 / y
void SqrtVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.output->data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float y, float dy) { return dy * (0.5f / y); });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSqrt)
                       .Attrs<SqrtAttrs>()
                       .Shape(SqrtShape)
                       .Forward(SqrtForward)
                       .Vjp(SqrtVjp, kVjpUsesOutput));

}  // namespace dagrad
