// ops/concat.h: Concat, y = [x_0, x_1, ...] joined along one axis.
//
// Inputs: x_0 .. x_{k-1} (1 <= k <= 31), all of one rank r >= 1 and equal
// dimensions except along `axis`. Attrs: axis in [-r, r), negative counted
// from the end. Output: x_0's shape with dim(axis) = the sum of the inputs'
// (? if any is ?); another unknown dimension matches any size.
// The VJP of input i is its box of dL/dy (it reads the inputs' shapes:
// kVjpUsesInputs).
// Errors (InvalidArgument naming Concat and every input shape): ranks that
// differ, rank 0, an axis out of range, dimensions that differ off the axis.
//
// Example:
//   ConcatAttrs attrs;
//   attrs.axis = 1;  // [64,10] and [64,5] -> [64,15]
#ifndef DAGRAD_OPS_CONCAT_H_
#define DAGRAD_OPS_CONCAT_H_

#include "ops/op.h"

namespace dagrad {

struct ConcatAttrs {
  static constexpr OpKind kKind = OpKind::kConcat;
  int axis = 0;
};

absl::StatusOr<Shape> ConcatShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs);
absl::Status ConcatForward(const ForwardContext& ctx);
void ConcatVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CONCAT_H_
