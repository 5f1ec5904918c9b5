#include "ops/log.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> LogShape(absl::Span<const Shape> inputs, const OpAttrs&) {
  return inputs[0];
}

// y = log(x)   (natural logarithm)
absl::Status LogForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return std::log(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy / x
void LogVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.input(0).data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float x, float dy) { return dy / x; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kLog)
                       .Attrs<LogAttrs>()
                       .Shape(LogShape)
                       .Forward(LogForward)
                       .Vjp(LogVjp, kVjpUsesInputs));

}  // namespace dagrad
