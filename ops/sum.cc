#include "ops/sum.h"

namespace dagrad {
namespace {

int64_t SumScratch(const ShapeQuery& q, int wrt) {
  return ReduceScratchFloats(AttrsAs<SumAttrs>(q.attrs), q.inputs[0], wrt);
}

}  // namespace

absl::StatusOr<Shape> SumShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs) {
  const auto& at = AttrsAs<SumAttrs>(attrs);
  return ReduceAxesShape(OpKind::kSum, inputs, at);
}

// y = sum of x over the reduced axes (all elements: y = sum_i x_i); for one
// reduced axis, y[o,i] = sum_j x[o,j,i]  (x viewed as [outer, dim, inner])
absl::Status SumForward(const ForwardContext& ctx) {
  return ReduceForward(ctx, AttrsAs<SumAttrs>(ctx.attrs), /*mean=*/false);
}

// dL/dx[i] = dL/dy[i with each reduced axis' index dropped]  (dL/dy
// broadcast back over the reduced axes; all elements: dL/dx_i = dL/dy)
void SumVjp(const VjpContext& ctx) {
  ReduceVjp(ctx, AttrsAs<SumAttrs>(ctx.attrs), /*mean=*/false);
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSum)
                       .Attrs<SumAttrs>()
                       .Shape(SumShape)
                       .Forward(SumForward)
                       .Scratch(SumScratch)
                       .Vjp(SumVjp, kVjpUsesNothing));

}  // namespace dagrad
