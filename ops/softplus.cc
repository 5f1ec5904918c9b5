#include "ops/softplus.h"

#include "ops/cpu/activation_math.h"
#include "ops/cpu/parallel_map.h"
#include "ops/cpu/vec_math.h"

namespace dagrad {

absl::StatusOr<Shape> SoftplusShape(absl::Span<const Shape> inputs,
                                    const OpAttrs&) {
  return inputs[0];
}

// y = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))
absl::Status SoftplusForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.output->data(), [](float x) { return SoftplusOf(x); });
  return absl::OkStatus();
}

// dL/dx = dL/dy * sigmoid(x)
void SoftplusVjp(const VjpContext& ctx) {
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.input(0).data(),
              ctx.grad_output.data(), ctx.grad_input->data(),
              [](float x, float dy) { return dy * SigmoidOf(x); });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSoftplus)
                       .Attrs<SoftplusAttrs>()
                       .Shape(SoftplusShape)
                       .Forward(SoftplusForward)
                       .Vjp(SoftplusVjp, kVjpUsesInputs));

}  // namespace dagrad
