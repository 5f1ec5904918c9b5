#include "ops/abs.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> AbsShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return inputs[0];
}

// y = |x|
absl::Status AbsForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return std::fabs(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * sign(x)   (0 at x == 0)
void AbsVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.input(0).data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float x, float dy) {
                return x > 0.0f ? dy : (x < 0.0f ? -dy : 0.0f);
              });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kAbs)
                       .Attrs<AbsAttrs>()
                       .Shape(AbsShape)
                       .Forward(AbsForward)
                       .Vjp(AbsVjp, kVjpUsesInputs));

}  // namespace dagrad
