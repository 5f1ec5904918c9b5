#include "ops/tanh.h"

#include <cmath>

#include "ops/act_util.h"

namespace dagrad {
namespace {

// TanhOf(x) = sign(x) tanh(|x|), branch-free (both halves are computed, one
// is selected); with a = |x|:
//  a <  0.625: a + a^3 P(a^2), Cephes tanhf's minimax polynomial (no
//              cancellation near 0);
//  a >= 0.625: (1 - e) / (1 + e) with e = exp(-2a) in (0, 0.29], which never
//              overflows and gives exactly 1 for large a.
// copysign keeps tanh(-0) = -0.
inline float TanhOf(float x) {
  const float a = std::fabs(x);
  const float s = a * a;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  const float near_zero = p * s * a + a;
  const float e = ExpNonPositive(-2.0f * a);
  const float far = (1.0f - e) / (1.0f + e);
  const float y = std::copysign(a < 0.625f ? near_zero : far, x);
  return x == x ? y : x;  // Propagate NaN.
}

}  // namespace

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
                       .Vjp(TanhVjp, kVjpUsesOutput));

}  // namespace dagrad
