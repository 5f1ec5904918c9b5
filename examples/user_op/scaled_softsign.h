// examples/user_op/scaled_softsign.h: a user-defined op, registered from
// outside ops/ without editing dagrad's files (ops/op.h, "User ops").
//
// ScaledSoftsign: y = scale * x / (1 + |x|), elementwise.
// Inputs: x [any]. Attrs: scale (finite, nonzero). Output: x's shape.
// The forward keeps r = 1 / (1 + |x|) in its aux buffer (one float per
// element, planned by the executor like a built-in op's), and the VJP reads
// only that: dL/dx = dL/dy * scale * r^2.
// Errors: InvalidArgument naming ScaledSoftsign, the scale and the input
// shape.
//
// The library is alwayslink: linking //examples/user_op:scaled_softsign
// registers the op (DAGRAD_REGISTER_OP at the bottom of the .cc). A graph
// then uses it like any op:
//
// Example:
//   ScaledSoftsignAttrs attrs;
//   attrs.scale = 2.0f;
//   ASSIGN_OR_RETURN(NodeId y, builder.AddOp(attrs, {x}));
//   // Or outside a graph (ops/eager.h, the gradient checker):
//   ASSIGN_OR_RETURN(OpKind kind, OpKindOf<ScaledSoftsignAttrs>());
//   ASSIGN_OR_RETURN(Tensor y, RunForward(kind, attrs, {&x}));
#ifndef DAGRAD_EXAMPLES_USER_OP_SCALED_SOFTSIGN_H_
#define DAGRAD_EXAMPLES_USER_OP_SCALED_SOFTSIGN_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/op.h"

namespace dagrad {
namespace user_op {

// ScaledSoftsignAttrs: kOpName (instead of a built-in's kKind) is how
// GraphBuilder::AddOp finds the op; operator== and AbslHashValue let CSE
// compare nodes (ops/op.h AttrsEquality).
struct ScaledSoftsignAttrs {
  static constexpr char kOpName[] = "ScaledSoftsign";
  float scale = 1.0f;

  friend bool operator==(const ScaledSoftsignAttrs& a,
                         const ScaledSoftsignAttrs& b) {
    return a.scale == b.scale;
  }
  template <typename H>
  friend H AbslHashValue(H h, const ScaledSoftsignAttrs& a) {
    return H::combine(std::move(h), a.scale);
  }
};

absl::StatusOr<Shape> ScaledSoftsignShape(absl::Span<const Shape> inputs,
                                          const OpAttrs& attrs);
absl::Status ScaledSoftsignForward(const ForwardContext& ctx);
void ScaledSoftsignVjp(const VjpContext& ctx);

// ScaledSoftsignOp() is the op's complete definition, the one the library
// registers at startup. RegisterOp(ScaledSoftsignOp()) again is
// AlreadyExists.
OpDefBuilder ScaledSoftsignOp();

}  // namespace user_op
}  // namespace dagrad

#endif  // DAGRAD_EXAMPLES_USER_OP_SCALED_SOFTSIGN_H_
