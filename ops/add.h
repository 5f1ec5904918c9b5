// ops/add.h: Add, y = a + b, elementwise over two tensors of EQUAL shape.
//
// No broadcasting: the graph uses Add to accumulate gradients of fan-out, where
// both operands always have the same shape. Inputs: a [any], b [same as a].
// Output: y, the shape of a.
#ifndef DAGRAD_OPS_ADD_H_
#define DAGRAD_OPS_ADD_H_

#include "ops/op.h"

namespace dagrad {

struct AddAttrs {
  static constexpr OpKind kKind = OpKind::kAdd;
};

absl::StatusOr<Shape> AddShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status AddForward(const ForwardContext& ctx);
void AddVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_ADD_H_
