// ops/mul.h: Mul, y = a * b, elementwise over two tensors of EQUAL shape.
//
// No broadcasting. Inputs: a [any], b [same as a]. Output: y, the shape of a.
#ifndef DAGRAD_OPS_MUL_H_
#define DAGRAD_OPS_MUL_H_

#include "ops/op.h"

namespace dagrad {

struct MulAttrs {
  static constexpr OpKind kKind = OpKind::kMul;
};

absl::StatusOr<Shape> MulShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status MulForward(const ForwardContext& ctx);
void MulVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MUL_H_
