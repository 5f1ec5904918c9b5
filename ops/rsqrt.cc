#include "ops/rsqrt.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> RsqrtShape(absl::Span<const Shape> inputs,
                                 const OpAttrs&) {
  return inputs[0];
}

// y = 1 / sqrt(x)
absl::Status RsqrtForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return 1.0f / std::sqrt(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * (-0.5) x^(-3/2) = dL/dy * (-0.5 * y^3)
void RsqrtVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.output->data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float y, float dy) { return dy * (-0.5f * y * y * y); });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kRsqrt)
                       .Attrs<RsqrtAttrs>()
                       .Shape(RsqrtShape)
                       .Forward(RsqrtForward)
                       .Vjp(RsqrtVjp, kVjpUsesOutput));

}  // namespace dagrad
