// ops/elementwise.h: the shape function shared by the elementwise unary ops
// with a float attribute (Scale's alpha, Pow's exponent, LeakyRelu's and
// Elu's alpha): y has x's shape, and the attribute must be finite.
//
// Example (ops/pow.cc):
//   absl::StatusOr<Shape> PowShape(absl::Span<const Shape> inputs,
//                                  const OpAttrs& attrs) {
//     return FiniteAttrShape(OpKind::kPow, inputs, "exponent",
//                            AttrsAs<PowAttrs>(attrs).exponent);
//   }
#ifndef DAGRAD_OPS_ELEMENTWISE_H_
#define DAGRAD_OPS_ELEMENTWISE_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/op.h"

namespace dagrad {

// FiniteAttrShape() is inputs[0], or InvalidArgument "<Op>: <name> <value>
// must be finite; inputs [..]" when `value` is infinite or NaN.
absl::StatusOr<Shape> FiniteAttrShape(OpKind kind,
                                      absl::Span<const Shape> inputs,
                                      const char* name, float value);

}  // namespace dagrad

#endif  // DAGRAD_OPS_ELEMENTWISE_H_
