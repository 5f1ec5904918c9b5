#include "ops/gelu.h"

#include "ops/cpu/activation_math.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> GeluShape(absl::Span<const Shape> inputs,
                                const OpAttrs&) {
  return inputs[0];
}

// kNone: y = 0.5 x (1 + erf(x / sqrt(2)))
// kTanh: y = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
absl::Status GeluForward(const ForwardContext& ctx) {
  const float* x = ctx.input(0).data();
  float* y = ctx.output->data();
  const int64_t n = ctx.output->size();
  if (AttrsAs<GeluAttrs>(ctx.attrs).approximation == GeluApproximation::kNone) {
    ParallelMap(ctx.pool, n, x, y, [](float v) { return GeluErfOf(v); });
  } else {
    ParallelMap(ctx.pool, n, x, y, [](float v) { return GeluTanhOf(v); });
  }
  return absl::OkStatus();
}

// kNone: dL/dx = dL/dy * (Phi(x) + x phi(x)),  phi(x) = exp(-x^2/2)/sqrt(2pi)
// kTanh: dL/dx = dL/dy * (0.5 (1 + t) + 0.5 x (1 - t^2) du/dx),  t = tanh(u),
//        du/dx = sqrt(2/pi) (1 + 3 * 0.044715 x^2)
void GeluVjp(const VjpContext& ctx) {
  const float* x = ctx.input(0).data();
  const float* dy = ctx.grad_output.data();
  float* dx = ctx.grad_input->data();
  const int64_t n = ctx.grad_input->size();
  if (AttrsAs<GeluAttrs>(ctx.attrs).approximation == GeluApproximation::kNone) {
    ParallelMap(ctx.pool, n, x, dy, dx,
                [](float v, float d) { return d * GeluErfGrad(v); });
  } else {
    ParallelMap(ctx.pool, n, x, dy, dx,
                [](float v, float d) { return d * GeluTanhGrad(v); });
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kGelu)
                       .Attrs<GeluAttrs>()
                       .Shape(GeluShape)
                       .Forward(GeluForward)
                       .Vjp(GeluVjp, kVjpUsesInputs));

}  // namespace dagrad
