#include "ops/reduction.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/cpu/broadcast.h"
#include "ops/cpu/reduce.h"

namespace dagrad {
namespace {

bool Reduced(uint64_t mask, int d) { return (mask >> d & 1u) != 0; }

bool AllReduced(uint64_t mask, int rank) {
  for (int d = 0; d < rank; ++d) {
    if (!Reduced(mask, d)) return false;
  }
  return true;
}

// KeepDimsShape() is x's shape with each reduced axis set to 1 (the output's
// shape with keep_dims). A rank <= 4 shape is built without allocating.
Shape KeepDimsShape(const Shape& x, uint64_t mask) {
  Shape kept = x;
  for (int d = 0; d < x.rank(); ++d) {
    if (Reduced(mask, d)) kept.set_dim(d, 1);
  }
  return kept;
}

// ReducedGroups() counts the runs of reduced axes SumToShape() makes for x:
// axes of size 1 are skipped, neighbours that are both reduced or both kept
// are merged.
int ReducedGroups(const Shape& x, uint64_t mask) {
  int groups = 0;
  int last = -1;  // -1: none yet, 0: kept, 1: reduced.
  for (int d = 0; d < x.rank(); ++d) {
    if (x.dim(d) == 1) continue;
    const int reduced = Reduced(mask, d) ? 1 : 0;
    if (reduced != last && reduced == 1) ++groups;
    last = reduced;
  }
  return groups;
}

// Count() is the number of elements summed into each output element.
int64_t Count(const Shape& x, uint64_t mask) {
  int64_t count = 1;
  for (int d = 0; d < x.rank(); ++d) {
    if (Reduced(mask, d)) count *= x.dim(d);
  }
  return count;
}

}  // namespace

absl::StatusOr<Shape> ReduceAxesShape(OpKind kind,
                                      absl::Span<const Shape> inputs,
                                      const ReduceAxesAttrs& attrs) {
  const Shape& x = inputs[0];
  const int rank = x.rank();
  const std::string axes =
      absl::StrCat("[", absl::StrJoin(attrs.axes, ","), "]");
  if (rank > 64) {
    return ShapeError(kind, inputs,
                      absl::StrCat("x ", x.DebugString(), " has rank ", rank,
                                   "; at most 64 axes can be reduced"));
  }
  // Shape inference runs at graph build time, not in a kernel: it may
  // allocate.
  std::vector<bool> reduced(rank, attrs.all_axes());
  for (int axis : attrs.axes) {
    if (axis < -rank || axis >= rank) {
      return ShapeError(
          kind, inputs,
          absl::StrCat("axis ", axis, " of axes ", axes,
                       " is out of range for x ", x.DebugString(), " of rank ",
                       rank, " (valid: [", -rank, ", ", rank, "))"));
    }
    const int a = axis < 0 ? axis + rank : axis;
    if (reduced[a]) {
      return ShapeError(kind, inputs,
                        absl::StrCat("axis ", a, " is listed twice in axes ",
                                     axes, " for x ", x.DebugString()));
    }
    reduced[a] = true;
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[d]) {
      dims.push_back(x.dim(d));
    } else if (attrs.keep_dims) {
      dims.push_back(1);
    }
  }
  return Shape(absl::Span<const int64_t>(dims));
}

uint64_t ReducedAxes(const ReduceAxesAttrs& attrs, int rank) {
  if (attrs.all_axes()) {
    return rank >= 64 ? ~uint64_t{0} : (uint64_t{1} << rank) - 1;
  }
  uint64_t mask = 0;
  for (int axis : attrs.axes)
    mask |= uint64_t{1} << (axis < 0 ? axis + rank : axis);
  return mask;
}

int64_t ReduceScratchFloats(const ReduceAxesAttrs& at, const Shape& x,
                            int wrt) {
  if (wrt != -1) return 0;
  const uint64_t mask = ReducedAxes(at, x.rank());
  if (AllReduced(mask, x.rank())) {
    return FixedBlockSumScratchFloats(x.num_elements());
  }
  return ReducedGroups(x, mask) >= 2 ? SumToShapeScratchFloats(x.num_elements())
                                     : 0;
}

absl::Status ReduceForward(const ForwardContext& ctx, const ReduceAxesAttrs& at,
                           bool mean) {
  const Tensor& x = ctx.input(0);
  const uint64_t mask = ReducedAxes(at, x.shape().rank());
  if (AllReduced(mask, x.shape().rank())) {
    const int64_t n = x.size();
    const float* xd = x.data();
    const double sum = FixedBlockSum(ctx.pool, n, ctx.scratch,
                                     [xd](int64_t i) { return xd[i]; });
    ctx.output->data()[0] =
        static_cast<float>(mean && n > 0 ? sum / static_cast<double>(n) : sum);
    return absl::OkStatus();
  }
  const float scale =
      mean ? 1.0f / static_cast<float>(Count(x.shape(), mask)) : 1.0f;
  SumToShape(ctx.pool, x.data(), x.shape(), KeepDimsShape(x.shape(), mask),
             scale, ctx.scratch, ctx.output->data());
  return absl::OkStatus();
}

void ReduceVjp(const VjpContext& ctx, const ReduceAxesAttrs& at, bool mean) {
  const Shape& xs = ctx.grad_input->shape();
  const uint64_t mask = ReducedAxes(at, xs.rank());
  if (AllReduced(mask, xs.rank())) {
    const int64_t n = xs.num_elements();
    const float g = n == 0 ? 0.0f
                           : (mean ? ctx.grad_output[0] / static_cast<float>(n)
                                   : ctx.grad_output[0]);
    BroadcastMiddle(ctx.pool, &g, 1, n, 1, 1.0f, ctx.grad_input->data());
    return;
  }
  const float scale = mean ? 1.0f / static_cast<float>(Count(xs, mask)) : 1.0f;
  BroadcastToShape(ctx.pool, ctx.grad_output.data(), KeepDimsShape(xs, mask),
                   xs, scale, ctx.grad_input->data());
}

absl::StatusOr<Shape> ReductionShape(OpKind kind,
                                     absl::Span<const Shape> inputs, int axis,
                                     bool all_axes, bool keep_dims) {
  const Shape& x = inputs[0];
  const int rank = x.rank();
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

}  // namespace dagrad
