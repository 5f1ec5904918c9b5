#include "ops/sigmoid.h"

#include <cmath>

#include "ops/act_util.h"

namespace dagrad {
namespace {

// SigmoidOf(x) with e = exp(-|x|) in (0, 1]:
//   x >= 0: 1 / (1 + e);   x < 0: e / (1 + e) = e * (1 / (1 + e)).
inline float SigmoidOf(float x) {
  const float e = ExpNonPositive(-std::fabs(x));
  const float s = 1.0f / (1.0f + e);
  const float y = x >= 0.0f ? s : e * s;
  return x == x ? y : x;  // Propagate NaN.
}

}  // namespace

absl::StatusOr<Shape> SigmoidShape(absl::Span<const Shape> inputs,
                                   const OpAttrs&) {
  return inputs[0];
}

// y = 1 / (1 + exp(-x))
absl::Status SigmoidForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return SigmoidOf(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * y * (1 - y)   [shape of x]
void SigmoidVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.output->data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float y, float dy) { return dy * (y * (1.0f - y)); });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSigmoid)
                       .Attrs<SigmoidAttrs>()
                       .Shape(SigmoidShape)
                       .Forward(SigmoidForward)
                       .Vjp(SigmoidVjp, kVjpUsesOutput));

}  // namespace dagrad
