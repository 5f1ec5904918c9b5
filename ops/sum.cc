#include "ops/sum.h"

#include "ops/elementwise_util.h"

namespace dagrad {
namespace {

bool AllAxes(const SumAttrs& at) { return at.axis == SumAttrs::kAllAxes; }

int NormalizedAxis(const SumAttrs& at, int rank) {
  return at.axis < 0 ? at.axis + rank : at.axis;
}

int64_t SumScratch(const ShapeQuery& q, int wrt) {
  const auto& at = AttrsAs<SumAttrs>(q.attrs);
  if (wrt != -1 || !AllAxes(at)) return 0;
  return SumAllScratchFloats(q.inputs[0].num_elements());
}

}  // namespace

absl::StatusOr<Shape> SumShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs) {
  const auto& at = AttrsAs<SumAttrs>(attrs);
  return ReductionShape(OpKind::kSum, inputs, at.axis, AllAxes(at),
                        at.keep_dims);
}

// y = sum_i x_i  (all elements), or
// y[o,i] = sum_j x[o,j,i]  (x viewed as [outer, dim(axis), inner])
absl::Status SumForward(const ForwardContext& ctx) {
  const auto& at = AttrsAs<SumAttrs>(ctx.attrs);
  const Tensor& x = ctx.input(0);
  if (AllAxes(at)) {
    const int64_t n = x.size();
    ctx.output->data()[0] = n == 0 ? 0.0f : static_cast<float>(SumAll(ctx.pool, x.data(), n, ctx.scratch));
    return absl::OkStatus();
  }
  const ReductionSplit s =
      SplitAroundAxis(x.shape(), NormalizedAxis(at, x.shape().rank()));
  ReduceMiddle(ctx.pool, x.data(), s.outer, s.mid, s.inner, 1.0f,
               ctx.output->data());
  return absl::OkStatus();
}

// dL/dx[o,j,i] = dL/dy[o,i]   (all elements: dL/dx_i = dL/dy)
void SumVjp(const VjpContext& ctx) {
  const auto& at = AttrsAs<SumAttrs>(ctx.attrs);
  const Shape& xs = ctx.grad_input->shape();
  if (AllAxes(at)) {
    const int64_t n = xs.num_elements();
    const float g = n == 0 ? 0.0f : ctx.grad_output[0];
    BroadcastMiddle(ctx.pool, &g, 1, n, 1, 1.0f, ctx.grad_input->data());
    return;
  }
  const ReductionSplit s = SplitAroundAxis(xs, NormalizedAxis(at, xs.rank()));
  BroadcastMiddle(ctx.pool, ctx.grad_output.data(), s.outer, s.mid, s.inner,
                  1.0f, ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSum)
                       .Attrs<SumAttrs>()
                       .Shape(SumShape)
                       .Forward(SumForward)
                       .Scratch(SumScratch)
                       .Vjp(SumVjp, kVjpUsesNothing));

}  // namespace dagrad
