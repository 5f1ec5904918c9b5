// ops/transpose.h: Transpose, y = x with its axes permuted: y's axis d is
// x's axis perm[d].
//
// Inputs: x [any, rank r]. Attrs: perm, a permutation of [0, r); empty
// means reversed axes (r-1, ..., 0), NumPy's default. Output: [x.dim(perm[0]),
// ..., x.dim(perm[r-1])]. The VJP permutes dL/dy back by the inverse
// permutation.
// Errors (InvalidArgument naming Transpose, the input shape and perm): perm
// not of rank r, an entry out of range or repeated.
//
// Example:
//   TransposeAttrs attrs;
//   attrs.perm = {0, 2, 3, 1};  // NCHW [8,3,32,32] -> NHWC [8,32,32,3]
#ifndef DAGRAD_OPS_TRANSPOSE_H_
#define DAGRAD_OPS_TRANSPOSE_H_

#include <vector>

#include "ops/op.h"

namespace dagrad {

struct TransposeAttrs {
  static constexpr OpKind kKind = OpKind::kTranspose;
  std::vector<int> perm;  // Empty: reversed axes.
};

absl::StatusOr<Shape> TransposeShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs);
absl::Status TransposeForward(const ForwardContext& ctx);
void TransposeVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_TRANSPOSE_H_
