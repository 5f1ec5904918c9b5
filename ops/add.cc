#include "ops/add.h"

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> AddShape(absl::Span<const Shape> inputs,
                               const OpAttrs&) {
  if (!(inputs[0] == inputs[1])) {
    return ShapeError(OpKind::kAdd, inputs,
                      "a " + inputs[0].DebugString() + " and b " +
                          inputs[1].DebugString() +
                          " must have equal shapes (no broadcasting)");
  }
  return inputs[0];
}

// y = a + b
absl::Status AddForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
              ctx.input(1).data(), ctx.output->data(),
              [](float a, float b) { return a + b; });
  return absl::OkStatus();
}

// dL/da = dL/dy,  dL/db = dL/dy
void AddVjp(const VjpContext& ctx) {
  ParallelCopy(ctx.pool, ctx.grad_output.data(), ctx.grad_input->size(),
               ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kAdd)
                       .Attrs<AddAttrs>()
                       .Shape(AddShape)
                       .Forward(AddForward)
                       .Vjp(AddVjp, kVjpUsesNothing));

}  // namespace dagrad
