// ops/flatten.h: Flatten, [N, d1, d2, ...] -> [N, d1*d2*...].
//
// Inputs: x of rank >= 2 (rank 2 is returned as is). Output: [N, d1*d2*...],
// the same row-major elements. Dimension 0 (the batch) may be
// Shape::kUnknownDim while a graph is built; it stays unknown in the output.
// The other dimensions must be known. Copies (the output is its own buffer).
// The VJP reads nothing but dL/dy: dL/dx = reshape(dL/dy, shape of x).
//
// Errors (InvalidArgument naming Flatten and the input shape): rank < 2; an
// unknown dimension other than 0; d1*d2*... overflowing int64.
//
// Example:
//   // [64,6,28,28] -> [64,4704]
//   ASSIGN_OR_RETURN(Tensor y, RunForward(OpKind::kFlatten, FlattenAttrs{},
//                                         {&x}));
#ifndef DAGRAD_OPS_FLATTEN_H_
#define DAGRAD_OPS_FLATTEN_H_

#include "ops/op.h"

namespace dagrad {

struct FlattenAttrs {
  static constexpr OpKind kKind = OpKind::kFlatten;
};

// FlattenShape() returns [N, d1*d2*...]; see the file comment.
absl::StatusOr<Shape> FlattenShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status FlattenForward(const ForwardContext& ctx);
void FlattenVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_FLATTEN_H_
