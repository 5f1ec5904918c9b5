#include "ops/pow.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"
#include "ops/elementwise.h"

namespace dagrad {

absl::StatusOr<Shape> PowShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs) {
  return FiniteAttrShape(OpKind::kPow, inputs, "exponent",
                         AttrsAs<PowAttrs>(attrs).exponent);
}

// y = x^p
absl::Status PowForward(const ForwardContext& ctx) {
  const float p = AttrsAs<PowAttrs>(ctx.attrs).exponent;
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [p](float x) { return std::pow(x, p); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * p * x^(p - 1)   (0 for p == 0)
void PowVjp(const VjpContext& ctx) {
  const float p = AttrsAs<PowAttrs>(ctx.attrs).exponent;
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.input(0).data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [p](float x, float dy) {
                return p == 0.0f ? 0.0f : dy * (p * std::pow(x, p - 1.0f));
              });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kPow)
                       .Attrs<PowAttrs>()
                       .Shape(PowShape)
                       .Forward(PowForward)
                       .Vjp(PowVjp, kVjpUsesInputs));

}  // namespace dagrad
