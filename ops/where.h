// ops/where.h: Where, y = mask != 0 ? a : b, elementwise selection.
//
// Inputs: mask, a, b, all of one shape (no broadcasting); mask is
// non-differentiable (any float; nonzero selects a, NaN counts as
// nonzero). Output: y, that shape.
// VJP: dL/da = dL/dy where mask != 0 (else 0), dL/db = dL/dy where mask
// == 0 (else 0).
// Errors: InvalidArgument naming Where and all three shapes when they
// differ.
//
// Example:
//   Where(keep [64,10], logits [64,10], fill [64,10]) -> y [64,10]
#ifndef DAGRAD_OPS_WHERE_H_
#define DAGRAD_OPS_WHERE_H_

#include "ops/op.h"

namespace dagrad {

// The input indices of Where.
inline constexpr int kWhereMask = 0;
inline constexpr int kWhereA = 1;
inline constexpr int kWhereB = 2;

struct WhereAttrs {
  static constexpr OpKind kKind = OpKind::kWhere;
};

absl::StatusOr<Shape> WhereShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs);
absl::Status WhereForward(const ForwardContext& ctx);
void WhereVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_WHERE_H_
