// ops/slice.h: Slice, y = x[begin_0 : begin_0 + size_0, ...], an
// axis-aligned box of x.
//
// Inputs: x [any, rank r]. Attrs: begin and size, r entries each; begin_d
// >= 0, size_d >= 0 or -1 (to the end of the axis). Output: [size_0, ...]
// with each -1 resolved. An unknown dimension (?) may be sliced; size -1 on
// it gives ?, and the bounds are checked again once the batch is bound.
// The VJP writes dL/dy into the box of a zero dL/dx.
// Errors (InvalidArgument naming Slice, the input shape and the box): begin
// or size not of rank r, a negative begin, a size below -1, a box that ends
// past its axis.
//
// To split x into pieces along an axis, add one Slice node per piece (the
// graph has one output per node).
//
// Example:
//   SliceAttrs attrs;
//   attrs.begin = {0, 2};
//   attrs.size = {-1, 3};  // x [64,10] -> y = x[:, 2:5], [64,3]
#ifndef DAGRAD_OPS_SLICE_H_
#define DAGRAD_OPS_SLICE_H_

#include <cstdint>
#include <vector>

#include "ops/op.h"

namespace dagrad {

struct SliceAttrs {
  static constexpr OpKind kKind = OpKind::kSlice;
  std::vector<int64_t> begin;
  std::vector<int64_t> size;  // -1: to the end of the axis.
};

absl::StatusOr<Shape> SliceShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs);
absl::Status SliceForward(const ForwardContext& ctx);
void SliceVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SLICE_H_
