#include "ops/reduce_max.h"

#include "ops/cpu/reduce_max.h"

namespace dagrad {
namespace {

// Split() views x as [outer, mid, inner] around the reduced axis (all
// elements: [1, n, 1]).
ReductionSplit Split(const ReduceAttrs& at, const Shape& x) {
  if (at.all_axes()) {
    ReductionSplit s;
    s.mid = x.num_elements();
    return s;
  }
  return SplitAroundAxis(x, at.axis < 0 ? at.axis + x.rank() : at.axis);
}

}  // namespace

absl::StatusOr<Shape> ReduceMaxShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  const auto& at = AttrsAs<ReduceMaxAttrs>(attrs);
  return ReductionShape(OpKind::kReduceMax, inputs, at.axis, at.all_axes(),
                        at.keep_dims);
}

// y[o,i] = max_j x[o,j,i]   (x viewed as [outer, dim(axis), inner])
absl::Status ReduceMaxForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  const ReductionSplit s = Split(AttrsAs<ReduceMaxAttrs>(ctx.attrs), x.shape());
  MaxMiddle(ctx.pool, x.data(), s.outer, s.mid, s.inner, ctx.output->data());
  return absl::OkStatus();
}

// dL/dx[o,j,i] = dL/dy[o,i] if j = min{j' : x[o,j',i] == y[o,i]}, else 0
void ReduceMaxVjp(const VjpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const ReductionSplit s = Split(AttrsAs<ReduceMaxAttrs>(ctx.attrs), x.shape());
  MaxMiddleVjp(ctx.pool, x.data(), ctx.output->data(), ctx.grad_output.data(),
               s.outer, s.mid, s.inner, ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kReduceMax)
                       .Attrs<ReduceMaxAttrs>()
                       .Shape(ReduceMaxShape)
                       .Forward(ReduceMaxForward)
                       .Vjp(ReduceMaxVjp, kVjpUsesInputsAndOutput));

}  // namespace dagrad
