#include "ops/identity.h"

#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> IdentityShape(absl::Span<const Shape> inputs,
                                    const OpAttrs&) {
  return inputs[0];
}

// y = x
absl::Status IdentityForward(const ForwardContext& ctx) {
  ParallelCopy(ctx.pool, ctx.input(0).data(), ctx.output->size(),
               ctx.output->data());
  return absl::OkStatus();
}

// dL/dx = dL/dy   [shape of x]
void IdentityVjp(const VjpContext& ctx) {
  ParallelCopy(ctx.pool, ctx.grad_output.data(), ctx.grad_input->size(),
               ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kIdentity)
                       .Attrs<IdentityAttrs>()
                       .Shape(IdentityShape)
                       .Forward(IdentityForward)
                       .View()
                       .Vjp(IdentityVjp, kVjpUsesNothing));

}  // namespace dagrad
