// ops/reduction.h: the definition shared by Sum and Mean, which are one op
// pair with different scales: y = scale * sum over the reduced elements,
// dL/dx = scale * dL/dy broadcast back, with scale 1 (Sum) or 1/count (Mean).
//
//  - ReduceAttrs: the attributes both derive from (axis, keep_dims).
//  - ReductionShape(): their shape function.
//  - ReduceScratchFloats(), ReduceForward(), ReduceVjp(): their ScratchFn,
//    forward and VJP bodies, which dispatch to ops/cpu/reduce.h.
//
// Determinism: the all-elements sum is FixedBlockSum() (fixed blocks), an
// axis sum adds each output's terms in index order: bitwise the same at any
// thread count.
//
// Example (ops/sum.cc):
//   absl::Status SumForward(const ForwardContext& ctx) {
//     return ReduceForward(ctx, AttrsAs<SumAttrs>(ctx.attrs), /*mean=*/false);
//   }
#ifndef DAGRAD_OPS_REDUCTION_H_
#define DAGRAD_OPS_REDUCTION_H_

#include <climits>
#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/op.h"

namespace dagrad {

// ReduceAttrs: the attributes of Sum and Mean, which derive from it. axis is
// kAllAxes (every element) or an axis in [-rank, rank), negative counted
// from the end; keep_dims keeps the reduced axis as 1.
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

// ReduceScratchFloats() is the ScratchFn body of Sum and Mean: the
// all-elements forward needs FixedBlockSumScratchFloats(n), nothing else does.
int64_t ReduceScratchFloats(const ReduceAttrs& attrs, const Shape& x, int wrt);
// ReduceForward() / ReduceVjp() are the forward and VJP of Sum (mean ==
// false) and Mean (mean == true).
absl::Status ReduceForward(const ForwardContext& ctx, const ReduceAttrs& attrs,
                           bool mean);
void ReduceVjp(const VjpContext& ctx, const ReduceAttrs& attrs, bool mean);

// ReductionShape() is the shape function of Sum and Mean: `axis` is
// kAllAxes-like `all_axes` (reduce everything) or an axis in [-rank, rank);
// the reduced axis is dropped, or kept as 1 with keep_dims. Errors name `kind`
// and the input shape.
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
