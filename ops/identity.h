// ops/identity.h: Identity, y = x (a copy).
//
// Inputs: x [any]. Output: y, the shape of x. Used where a graph needs a
// distinct node holding the same values (a named output, a no-op activation).
// The VJP reads nothing but dL/dy: dL/dx = dL/dy.
//
// Example:
//   ASSIGN_OR_RETURN(Tensor y, RunForward(OpKind::kIdentity, IdentityAttrs{},
//                                         {&x}));
#ifndef DAGRAD_OPS_IDENTITY_H_
#define DAGRAD_OPS_IDENTITY_H_

#include "ops/op.h"

namespace dagrad {

struct IdentityAttrs {
  static constexpr OpKind kKind = OpKind::kIdentity;
};

// IdentityShape() returns the input shape (any rank, unknown batch included).
absl::StatusOr<Shape> IdentityShape(absl::Span<const Shape> inputs,
                                    const OpAttrs& attrs);
absl::Status IdentityForward(const ForwardContext& ctx);
void IdentityVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_IDENTITY_H_
