#include "ops/mean.h"

#include "ops/elementwise_util.h"

namespace dagrad {
namespace {

bool AllAxes(const MeanAttrs& at) { return at.axis == MeanAttrs::kAllAxes; }

int NormalizedAxis(const MeanAttrs& at, int rank) {
  return at.axis < 0 ? at.axis + rank : at.axis;
}

int64_t MeanScratch(const ShapeQuery& q, int wrt) {
  const auto& at = AttrsAs<MeanAttrs>(q.attrs);
  if (wrt != -1 || !AllAxes(at)) return 0;
  return SumAllScratchFloats(q.inputs[0].num_elements());
}

}  // namespace

absl::StatusOr<Shape> MeanShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs) {
  const auto& at = AttrsAs<MeanAttrs>(attrs);
  return ReductionShape(OpKind::kMean, inputs, at.axis, AllAxes(at),
                        at.keep_dims);
}

// y = (1/n) sum_i x_i  (all elements, n = x.size()), or
// y[o,i] = (1/d) sum_j x[o,j,i]  (x viewed as [outer, d = dim(axis), inner])
absl::Status MeanForward(const ForwardContext& ctx) {
  const auto& at = AttrsAs<MeanAttrs>(ctx.attrs);
  const Tensor& x = ctx.input(0);
  if (AllAxes(at)) {
    const int64_t n = x.size();
    ctx.output->data()[0] = n == 0 ? 0.0f : static_cast<float>(SumAll(ctx.pool, x.data(), n, ctx.scratch) / static_cast<double>(n));
    return absl::OkStatus();
  }
  const ReductionSplit s =
      SplitAroundAxis(x.shape(), NormalizedAxis(at, x.shape().rank()));
  ReduceMiddle(ctx.pool, x.data(), s.outer, s.mid, s.inner, 1.0f / static_cast<float>(s.mid),
               ctx.output->data());
  return absl::OkStatus();
}

// dL/dx[o,j,i] = dL/dy[o,i] / d   (all elements: dL/dx_i = dL/dy / n)
void MeanVjp(const VjpContext& ctx) {
  const auto& at = AttrsAs<MeanAttrs>(ctx.attrs);
  const Shape& xs = ctx.grad_input->shape();
  if (AllAxes(at)) {
    const int64_t n = xs.num_elements();
    const float g = n == 0 ? 0.0f : ctx.grad_output[0] / static_cast<float>(n);
    BroadcastMiddle(ctx.pool, &g, 1, n, 1, 1.0f, ctx.grad_input->data());
    return;
  }
  const ReductionSplit s = SplitAroundAxis(xs, NormalizedAxis(at, xs.rank()));
  BroadcastMiddle(ctx.pool, ctx.grad_output.data(), s.outer, s.mid, s.inner,
                  1.0f / static_cast<float>(s.mid), ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMean)
                       .Attrs<MeanAttrs>()
                       .Shape(MeanShape)
                       .Forward(MeanForward)
                       .Scratch(MeanScratch)
                       .Vjp(MeanVjp, kVjpUsesNothing));

}  // namespace dagrad
