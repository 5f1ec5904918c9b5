// ops/reduction.h: the definition shared by Sum and Mean, which are one op
// pair with different scales: y = scale * sum over the reduced elements,
// dL/dx = scale * dL/dy broadcast back, with scale 1 (Sum) or 1/count (Mean,
// count = the number of elements summed into each output).
//
//  - ReduceAxesAttrs: the attributes both derive from (axes, keep_dims).
//  - ReduceAxesShape(): their shape function.
//  - ReduceScratchFloats(), ReduceForward(), ReduceVjp(): their ScratchFn,
//    forward and VJP bodies, which dispatch to ops/cpu/reduce.h (every
//    element; the VJP) and ops/cpu/broadcast.h SumToShape() (some axes).
//  - ReduceAttrs, ReductionShape(), SplitAroundAxis(): the one-axis form
//    that ReduceMax (ops/reduce_max.h) uses.
//
// Determinism: the all-elements sum is FixedBlockSum() (fixed blocks); a sum
// over some axes adds each output's terms in a fixed order (SumToShape:
// innermost reduced group first, each in index order): bitwise the same at
// any thread count.
//
// Example:
//   SumAttrs attrs;
//   attrs.axes = {0, -1};     // x [8,3,5] -> y [3]
//   attrs.keep_dims = true;   //          -> y [1,3,1]
//   // ops/sum.cc:
//   absl::Status SumForward(const ForwardContext& ctx) {
//     return ReduceForward(ctx, AttrsAs<SumAttrs>(ctx.attrs), /*mean=*/false);
//   }
#ifndef DAGRAD_OPS_REDUCTION_H_
#define DAGRAD_OPS_REDUCTION_H_

#include <climits>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/op.h"

namespace dagrad {

// ReduceAxesAttrs: the attributes of Sum and Mean, which derive from it.
// axes lists the reduced axes, each in [-rank, rank) (negative counted from
// the end), no axis twice; empty reduces every axis. keep_dims keeps each
// reduced axis as 1.
struct ReduceAxesAttrs {
  std::vector<int> axes;
  bool keep_dims = false;

  bool all_axes() const { return axes.empty(); }

  friend bool operator==(const ReduceAxesAttrs& a, const ReduceAxesAttrs& b) {
    return a.axes == b.axes && a.keep_dims == b.keep_dims;
  }
  template <typename H>
  friend H AbslHashValue(H h, const ReduceAxesAttrs& a) {
    return H::combine(std::move(h), a.axes, a.keep_dims);
  }
};

// ReduceAxesShape() is the shape function of Sum and Mean: x's shape without
// the reduced axes (each kept as 1 with keep_dims). Errors are
// InvalidArgument naming `kind`, the axes and x's shape: an axis out of
// [-rank, rank), an axis listed twice (also as -rank + a and a).
absl::StatusOr<Shape> ReduceAxesShape(OpKind kind,
                                      absl::Span<const Shape> inputs,
                                      const ReduceAxesAttrs& attrs);

// ReducedAxes() is the bit mask of the axes `attrs` reduces for rank `rank`
// (every axis when attrs.all_axes()). Requires axes the shape fn accepted.
uint64_t ReducedAxes(const ReduceAxesAttrs& attrs, int rank);

// ReduceScratchFloats() is the ScratchFn body of Sum and Mean: the
// all-elements forward needs FixedBlockSumScratchFloats(n), a forward over
// two or more separate groups of axes SumToShapeScratchFloats(n), nothing
// else does.
int64_t ReduceScratchFloats(const ReduceAxesAttrs& attrs, const Shape& x,
                            int wrt);
// ReduceForward() / ReduceVjp() are the forward and VJP of Sum (mean ==
// false) and Mean (mean == true).
absl::Status ReduceForward(const ForwardContext& ctx,
                           const ReduceAxesAttrs& attrs, bool mean);
void ReduceVjp(const VjpContext& ctx, const ReduceAxesAttrs& attrs, bool mean);

// ReduceAttrs: one-axis attributes (ReduceMax). axis is kAllAxes (every
// element) or an axis in [-rank, rank), negative counted from the end;
// keep_dims keeps the reduced axis as 1.
struct ReduceAttrs {
  static constexpr int kAllAxes = INT_MIN;
  int axis = kAllAxes;
  bool keep_dims = false;

  bool all_axes() const { return axis == kAllAxes; }

  friend bool operator==(const ReduceAttrs& a, const ReduceAttrs& b) {
    return a.axis == b.axis && a.keep_dims == b.keep_dims;
  }
  template <typename H>
  friend H AbslHashValue(H h, const ReduceAttrs& a) {
    return H::combine(std::move(h), a.axis, a.keep_dims);
  }
};

// ReductionShape() is the one-axis shape function: `all_axes` (reduce
// everything) or an axis in [-rank, rank); the reduced axis is dropped, or
// kept as 1 with keep_dims. Errors name `kind` and the input shape.
absl::StatusOr<Shape> ReductionShape(OpKind kind,
                                     absl::Span<const Shape> inputs, int axis,
                                     bool all_axes, bool keep_dims);

// ReductionSplit views `shape` as [outer, mid, inner] around axis `axis`
// (already normalized to [0, rank)).
struct ReductionSplit {
  int64_t outer = 1, mid = 1, inner = 1;
};
ReductionSplit SplitAroundAxis(const Shape& shape, int axis);

}  // namespace dagrad

#endif  // DAGRAD_OPS_REDUCTION_H_
