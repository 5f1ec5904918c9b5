#include "ops/scale.h"

#include "ops/cpu/parallel_map.h"
#include "ops/elementwise.h"

namespace dagrad {

absl::StatusOr<Shape> ScaleShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs) {
  return FiniteAttrShape(OpKind::kScale, inputs, "alpha",
                         AttrsAs<ScaleAttrs>(attrs).alpha);
}

// y = alpha * x
absl::Status ScaleForward(const ForwardContext& ctx) {
  const float alpha = AttrsAs<ScaleAttrs>(ctx.attrs).alpha;
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [alpha](float x) { return alpha * x; });
  return absl::OkStatus();
}

// dL/dx = alpha * dL/dy
void ScaleVjp(const VjpContext& ctx) {
  const float alpha = AttrsAs<ScaleAttrs>(ctx.attrs).alpha;
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.grad_output.data(),
              ctx.grad_input->data(), [alpha](float dy) { return alpha * dy; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kScale)
                       .Attrs<ScaleAttrs>()
                       .Shape(ScaleShape)
                       .Forward(ScaleForward)
                       .InPlace()
                       .Vjp(ScaleVjp, kVjpUsesNothing));

}  // namespace dagrad
