#include "ops/leaky_relu.h"

#include "ops/cpu/parallel_map.h"
#include "ops/elementwise.h"

namespace dagrad {

absl::StatusOr<Shape> LeakyReluShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  return FiniteAttrShape(OpKind::kLeakyRelu, inputs, "alpha",
                         AttrsAs<LeakyReluAttrs>(attrs).alpha);
}

// y = x (x > 0), alpha * x (x <= 0)
absl::Status LeakyReluForward(const ForwardContext& ctx) {
  const float alpha = AttrsAs<LeakyReluAttrs>(ctx.attrs).alpha;
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(),
              [alpha](float x) { return x > 0.0f ? x : alpha * x; });
  return absl::OkStatus();
}

// dL/dx = dL/dy (x > 0), alpha * dL/dy (x <= 0)
void LeakyReluVjp(const VjpContext& ctx) {
  const float alpha = AttrsAs<LeakyReluAttrs>(ctx.attrs).alpha;
  ParallelMap(
      ctx.pool, ctx.grad_input->size(), ctx.input(0).data(),
      ctx.grad_output.data(), ctx.grad_input->data(),
      [alpha](float x, float dy) { return x > 0.0f ? dy : alpha * dy; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kLeakyRelu)
                       .Attrs<LeakyReluAttrs>()
                       .Shape(LeakyReluShape)
                       .Forward(LeakyReluForward)
                       .Vjp(LeakyReluVjp, kVjpUsesInputs));

}  // namespace dagrad
