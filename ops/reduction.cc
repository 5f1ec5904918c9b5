#include "ops/reduction.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/cpu/reduce.h"

namespace dagrad {
namespace {

int NormalizedAxis(const ReduceAttrs& at, int rank) {
  return at.axis < 0 ? at.axis + rank : at.axis;
}

}  // namespace

absl::StatusOr<Shape> ReductionShape(OpKind kind,
                                     absl::Span<const Shape> inputs, int axis,
                                     bool all_axes, bool keep_dims) {
  const Shape& x = inputs[0];
  const int rank = x.rank();
  // Shape inference runs at graph build time, not in a kernel: it may
  // allocate.
  std::vector<int64_t> dims;
  if (all_axes) {
    if (keep_dims) dims.assign(rank, 1);
    return Shape(absl::Span<const int64_t>(dims));
  }
  if (axis < -rank || axis >= rank) {
    return ShapeError(
        kind, inputs,
        absl::StrCat("axis ", axis, " is out of range for x ", x.DebugString(),
                     " of rank ", rank, " (valid: [", -rank, ", ", rank, "))"));
  }
  const int a = axis < 0 ? axis + rank : axis;
  for (int d = 0; d < rank; ++d) {
    if (d != a) {
      dims.push_back(x.dim(d));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  return Shape(absl::Span<const int64_t>(dims));
}

ReductionSplit SplitAroundAxis(const Shape& shape, int axis) {
  ReductionSplit s;
  for (int d = 0; d < shape.rank(); ++d) {
    if (d < axis) s.outer *= shape.dim(d);
    if (d == axis) s.mid = shape.dim(d);
    if (d > axis) s.inner *= shape.dim(d);
  }
  return s;
}

int64_t ReduceScratchFloats(const ReduceAttrs& at, const Shape& x, int wrt) {
  if (wrt != -1 || !at.all_axes()) return 0;
  return FixedBlockSumScratchFloats(x.num_elements());
}

absl::Status ReduceForward(const ForwardContext& ctx, const ReduceAttrs& at,
                           bool mean) {
  const Tensor& x = ctx.input(0);
  if (at.all_axes()) {
    const int64_t n = x.size();
    const float* xd = x.data();
    const double sum = FixedBlockSum(ctx.pool, n, ctx.scratch,
                                     [xd](int64_t i) { return xd[i]; });
    ctx.output->data()[0] =
        static_cast<float>(mean && n > 0 ? sum / static_cast<double>(n) : sum);
    return absl::OkStatus();
  }
  const ReductionSplit s =
      SplitAroundAxis(x.shape(), NormalizedAxis(at, x.shape().rank()));
  ReduceMiddle(ctx.pool, x.data(), s.outer, s.mid, s.inner,
               mean ? 1.0f / static_cast<float>(s.mid) : 1.0f,
               ctx.output->data());
  return absl::OkStatus();
}

void ReduceVjp(const VjpContext& ctx, const ReduceAttrs& at, bool mean) {
  const Shape& xs = ctx.grad_input->shape();
  if (at.all_axes()) {
    const int64_t n = xs.num_elements();
    const float g = n == 0 ? 0.0f
                           : (mean ? ctx.grad_output[0] / static_cast<float>(n)
                                   : ctx.grad_output[0]);
    BroadcastMiddle(ctx.pool, &g, 1, n, 1, 1.0f, ctx.grad_input->data());
    return;
  }
  const ReductionSplit s = SplitAroundAxis(xs, NormalizedAxis(at, xs.rank()));
  BroadcastMiddle(ctx.pool, ctx.grad_output.data(), s.outer, s.mid, s.inner,
                  mean ? 1.0f / static_cast<float>(s.mid) : 1.0f,
                  ctx.grad_input->data());
}

}  // namespace dagrad
