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
  return ReductionShape(OpKind::kMean, inputs, at.axis, at.all_axes(),
                        at.keep_dims);
}

// y = (1/n) sum_i x_i  (all elements, n = x.size()), or
// y[o,i] = (1/d) sum_j x[o,j,i]  (x viewed as [outer, d = dim(axis), inner])
absl::Status MeanForward(const ForwardContext& ctx) {
  return ReduceForward(ctx, AttrsAs<MeanAttrs>(ctx.attrs), /*mean=*/true);
}

// dL/dx[o,j,i] = dL/dy[o,i] / d   (all elements: dL/dx_i = dL/dy / n)
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
