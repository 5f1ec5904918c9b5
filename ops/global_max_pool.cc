#include "ops/global_max_pool.h"

#include "ops/cpu/reduce_max.h"
#include "ops/pool_window.h"

namespace dagrad {

absl::StatusOr<Shape> GlobalMaxPoolShape(absl::Span<const Shape> inputs,
                                         const OpAttrs&) {
  return GlobalPoolShape(OpKind::kGlobalMaxPool, inputs);
}

// y[n,c] = max_{h,w} x[n,c,h,w]
absl::Status GlobalMaxPoolForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  const GlobalPoolPlanes p = GlobalPoolPlanesOf(x.shape());
  MaxMiddle(ctx.pool, x.data(), p.planes, p.size, 1, ctx.output->data());
  return absl::OkStatus();
}

// dL/dx[n,c,h,w] = dL/dy[n,c] at the first (h,w) where x == y[n,c], else 0
void GlobalMaxPoolVjp(const VjpContext& ctx) {
  const GlobalPoolPlanes p = GlobalPoolPlanesOf(ctx.grad_input->shape());
  MaxMiddleVjp(ctx.pool, ctx.input(0).data(), ctx.output->data(),
               ctx.grad_output.data(), p.planes, p.size, 1,
               ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kGlobalMaxPool)
                       .Attrs<GlobalMaxPoolAttrs>()
                       .Shape(GlobalMaxPoolShape)
                       .Forward(GlobalMaxPoolForward)
                       .Vjp(GlobalMaxPoolVjp, kVjpUsesInputsAndOutput));

}  // namespace dagrad
