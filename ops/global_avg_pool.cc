#include "ops/global_avg_pool.h"

#include "ops/cpu/reduce.h"
#include "ops/pool_window.h"

namespace dagrad {

absl::StatusOr<Shape> GlobalAvgPoolShape(absl::Span<const Shape> inputs,
                                         const OpAttrs&) {
  return GlobalPoolShape(OpKind::kGlobalAvgPool, inputs);
}

// y[n,c] = (1 / (H W)) sum_{h,w} x[n,c,h,w]
absl::Status GlobalAvgPoolForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  const GlobalPoolPlanes p = GlobalPoolPlanesOf(x.shape());
  ReduceMiddle(ctx.pool, x.data(), p.planes, p.size, 1,
               1.0f / static_cast<float>(p.size), ctx.output->data());
  return absl::OkStatus();
}

// dL/dx[n,c,h,w] = dL/dy[n,c] / (H W)
void GlobalAvgPoolVjp(const VjpContext& ctx) {
  const GlobalPoolPlanes p = GlobalPoolPlanesOf(ctx.grad_input->shape());
  BroadcastMiddle(ctx.pool, ctx.grad_output.data(), p.planes, p.size, 1,
                  1.0f / static_cast<float>(p.size), ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kGlobalAvgPool)
                       .Attrs<GlobalAvgPoolAttrs>()
                       .Shape(GlobalAvgPoolShape)
                       .Forward(GlobalAvgPoolForward)
                       .Vjp(GlobalAvgPoolVjp, kVjpUsesNothing));

}  // namespace dagrad
