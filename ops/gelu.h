// ops/gelu.h: Gelu, y = x * Phi(x) (Phi the standard normal CDF), exact or
// in its tanh approximation, elementwise.
//
// Inputs: x [any]. Attrs: approximation, GeluApproximation::kNone (the erf
// form, y = 0.5 x (1 + erf(x / sqrt(2)))) or kTanh (y = 0.5 x (1 + tanh(
// sqrt(2/pi) (x + 0.044715 x^3))), as BERT and GPT-2). Output: y, the shape
// of x. Smooth everywhere; no errors beyond the arity.
//
// Example:
//   GeluAttrs attrs;
//   attrs.approximation = GeluApproximation::kTanh;
//   // Gelu(x [64,768]) -> y [64,768], PyTorch's gelu(approximate="tanh").
#ifndef DAGRAD_OPS_GELU_H_
#define DAGRAD_OPS_GELU_H_

#include "ops/op.h"

namespace dagrad {

// GeluApproximation selects GELU's formula (see above).
enum class GeluApproximation { kNone, kTanh };

struct GeluAttrs {
  static constexpr OpKind kKind = OpKind::kGelu;
  GeluApproximation approximation = GeluApproximation::kNone;
};

absl::StatusOr<Shape> GeluShape(absl::Span<const Shape> inputs,
                                const OpAttrs& attrs);
absl::Status GeluForward(const ForwardContext& ctx);
void GeluVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_GELU_H_
