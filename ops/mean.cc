#include "ops/mean.h"

namespace dagrad {
namespace {

int64_t MeanScratch(const ShapeQuery& q, int wrt) {
  return ReduceScratchFloats(AttrsAs<MeanAttrs>(q.attrs), q.inputs[0], wrt);
}

}  // namespace

absl::StatusOr<Shape> MeanShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs) {
  const auto& at = AttrsAs<MeanAttrs>(attrs);
  return ReduceAxesShape(OpKind::kMean, inputs, at);
}

// y = (1/n) sum of x over the reduced axes, n = the product of their dims
// (all elements: n = x.size()); for one reduced axis, y[o,i] = (1/d) sum_j
// x[o,j,i]  (x viewed as [outer, d = dim, inner])
absl::Status MeanForward(const ForwardContext& ctx) {
  return ReduceForward(ctx, AttrsAs<MeanAttrs>(ctx.attrs), /*mean=*/true);
}

// dL/dx[i] = dL/dy[i with each reduced axis' index dropped] / n  (dL/dy
// broadcast back over the reduced axes, scaled)
void MeanVjp(const VjpContext& ctx) {
  ReduceVjp(ctx, AttrsAs<MeanAttrs>(ctx.attrs), /*mean=*/true);
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMean)
                       .Attrs<MeanAttrs>()
                       .Shape(MeanShape)
                       .Forward(MeanForward)
                       .Scratch(MeanScratch)
                       .Vjp(MeanVjp, kVjpUsesNothing));

}  // namespace dagrad
