// ops/reshape.h: Reshape, the same elements (row-major order) in a new shape.
//
// Inputs: x [any]. Attrs: ReshapeAttrs::shape, the target dimensions, each
// >= 0 or -1; at most one -1, which is inferred numpy-style so that the
// element count matches. Output: the target shape with the -1 filled in.
// Copies (the output is its own buffer). The VJP reads nothing but dL/dy and
// copies it back: dL/dx = reshape(dL/dy, shape of x).
//
// Unknown batch. While a graph is built, the input's batch dimension (or any
// dimension) may be Shape::kUnknownDim. Then the element count is unknown and:
//  - a target with a -1 gives kUnknownDim at the -1 (0 if a known input
//    dimension is 0), with no error: e.g. [?,28,28] -> {-1, 784} is [?,784];
//  - a target without a -1 is rejected (InvalidArgument): a fixed element
//    count cannot follow a varying batch. Put the -1 where the batch goes.
// The exact count check happens when the shape function runs again with the
// batch known, as for any other op.
//
// Errors (InvalidArgument naming Reshape, the input shape and the target):
// two or more -1s; a negative dimension other than -1; an element count that
// does not match (or cannot be divided, or overflows int64); a -1 next to a 0
// dimension (nothing to infer from).
//
// Example:
//   ReshapeAttrs attrs;
//   attrs.shape = {-1, 784};             // [64,1,28,28] -> [64,784]
//   ASSIGN_OR_RETURN(Tensor y, RunForward(OpKind::kReshape, attrs, {&x}));
#ifndef DAGRAD_OPS_RESHAPE_H_
#define DAGRAD_OPS_RESHAPE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "ops/op.h"

namespace dagrad {

struct ReshapeAttrs {
  static constexpr OpKind kKind = OpKind::kReshape;
  // shape is the target shape; one entry may be -1 (inferred). Empty means a
  // scalar (the input must then hold exactly one element).
  std::vector<int64_t> shape;

  friend bool operator==(const ReshapeAttrs& a, const ReshapeAttrs& b) {
    return a.shape == b.shape;
  }
  template <typename H>
  friend H AbslHashValue(H h, const ReshapeAttrs& a) {
    return H::combine(std::move(h), a.shape);
  }
};

// ReshapeShape() infers the output shape; see the file comment.
absl::StatusOr<Shape> ReshapeShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status ReshapeForward(const ForwardContext& ctx);
void ReshapeVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_RESHAPE_H_
