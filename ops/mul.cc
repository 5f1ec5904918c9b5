#include "ops/mul.h"

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> MulShape(absl::Span<const Shape> inputs,
                               const OpAttrs&) {
  if (!(inputs[0] == inputs[1])) {
    return ShapeError(OpKind::kMul, inputs,
                      "a " + inputs[0].DebugString() + " and b " +
                          inputs[1].DebugString() +
                          " must have equal shapes (no broadcasting)");
  }
  return inputs[0];
}

// y = a * b
absl::Status MulForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.input(1).data(), ctx.output->data(),
              [](float a, float b) { return a * b; });
  return absl::OkStatus();
}

// dL/da = dL/dy * b,  dL/db = dL/dy * a
void MulVjp(const VjpContext& ctx) {
  const Tensor& other = ctx.input(1 - ctx.wrt);
  ParallelMap(ctx.pool, ctx.grad_input->size(), ctx.grad_output.data(),
              other.data(), ctx.grad_input->data(),
              [](float dy, float o) { return dy * o; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMul)
                       .Attrs<MulAttrs>()
                       .Shape(MulShape)
                       .Forward(MulForward)
                       .Vjp(MulVjp, kVjpUsesInputs));

}  // namespace dagrad
