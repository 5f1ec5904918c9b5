#include "ops/elu.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"
#include "ops/elementwise.h"

namespace dagrad {

absl::StatusOr<Shape> EluShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs) {
  return FiniteAttrShape(OpKind::kElu, inputs, "alpha",
                         AttrsAs<EluAttrs>(attrs).alpha);
}

// y = x (x > 0), alpha * (exp(x) - 1) (x <= 0; expm1, accurate near 0)
absl::Status EluForward(const ForwardContext& ctx) {
  const float alpha = AttrsAs<EluAttrs>(ctx.attrs).alpha;
  ParallelMap(
      ctx.pool, ctx.output->size(), ctx.input(0).data(), ctx.output->data(),
      [alpha](float x) { return x > 0.0f ? x : alpha * std::expm1(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy (x > 0), dL/dy * alpha * exp(x) = dL/dy * (y + alpha)
// (x <= 0)
void EluVjp(const VjpContext& ctx) {
  const float alpha = AttrsAs<EluAttrs>(ctx.attrs).alpha;
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.input(0).data(),
              ctx.output->data(), ctx.grad_output.data(),
              ctx.grad_input->data(), [alpha](float x, float y, float dy) {
                return x > 0.0f ? dy : dy * (y + alpha);
              });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kElu)
                       .Attrs<EluAttrs>()
                       .Shape(EluShape)
                       .Forward(EluForward)
                       .Vjp(EluVjp, kVjpUsesInputsAndOutput));

}  // namespace dagrad
