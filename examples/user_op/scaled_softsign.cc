#include "examples/user_op/scaled_softsign.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {
namespace user_op {
namespace {

// The aux buffer holds r = 1 / (1 + |x|) per element of x.
int64_t ScaledSoftsignAux(const ShapeQuery& q) {
  return q.inputs[0].num_elements();
}

}  // namespace

absl::StatusOr<Shape> ScaledSoftsignShape(absl::Span<const Shape> inputs,
                                          const OpAttrs& attrs) {
  const float scale = AttrsAs<ScaledSoftsignAttrs>(attrs).scale;
  if (!std::isfinite(scale) || scale == 0.0f) {
    return ShapeError(
        ScaledSoftsignAttrs::kOpName, inputs,
        absl::StrCat("scale must be finite and nonzero, got ", scale));
  }
  return inputs[0];
}

// r = 1 / (1 + |x|)   (kept in aux for the VJP)
// y = scale * x * r
absl::Status ScaledSoftsignForward(const ForwardContext& ctx) {
  const float scale = AttrsAs<ScaledSoftsignAttrs>(ctx.attrs).scale;
  const int64_t n = ctx.output->size();
  const float* x = ctx.input(0).data();
  ParallelMap(ctx.pool, n, x, ctx.aux,
              [](float v) { return 1.0f / (1.0f + std::fabs(v)); });
  ParallelMap(ctx.pool, n, x, ctx.aux, ctx.output->data(),
              [scale](float v, float r) { return scale * v * r; });
  return absl::OkStatus();
}

// dy/dx = scale * ((1 + |x|) - x sign(x)) / (1 + |x|)^2 = scale * r^2, so
// dL/dx = dL/dy * scale * r^2   (reads only aux: kVjpUsesNothing)
void ScaledSoftsignVjp(const VjpContext& ctx) {
  const float scale = AttrsAs<ScaledSoftsignAttrs>(ctx.attrs).scale;
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.aux, ctx.grad_output.data(),
              ctx.grad_input->data(),
              [scale](float r, float dy) { return dy * scale * r * r; });
}

OpDefBuilder ScaledSoftsignOp() {
  OpDefBuilder op(ScaledSoftsignAttrs::kOpName);
  op.Inputs(1, 1)
      .Attrs<ScaledSoftsignAttrs>()
      .Shape(ScaledSoftsignShape)
      .Forward(ScaledSoftsignForward)
      .Aux(ScaledSoftsignAux)
      .Vjp(ScaledSoftsignVjp, kVjpUsesNothing);
  return op;
}

DAGRAD_REGISTER_OP(ScaledSoftsignOp());

}  // namespace user_op
}  // namespace dagrad
