// ops/layer_norm.h: LayerNorm, y = gamma * (x - mean) / sqrt(var + epsilon)
// + beta, the statistics taken over x's trailing axes (those of gamma).
//
// Inputs: x [..., D_1, ..., D_k], gamma [D_1, ..., D_k], beta (gamma's
// shape); k >= 1 and every D_i >= 1. The leading axes (any, the unknown
// batch too) index independent rows. Attrs: epsilon (finite, > 0; default
// 1e-5). Output: y, the shape of x. The forward keeps each row's mean and
// 1 / sqrt(var + epsilon) (biased variance) as aux for the VJP.
// VJPs (x, gamma, beta all differentiable; the sums over rows run in row
// order, so they are bitwise the same at any thread count):
//   dL/dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  g = dL/dy * gamma
//   dL/dgamma = sum over rows of dL/dy * xhat,  dL/dbeta = sum over rows of
//   dL/dy
// Errors (InvalidArgument naming LayerNorm and every input shape): gamma and
// beta of different shapes, rank 0, trailing axes of x that differ from
// gamma's, a non-positive or non-finite epsilon.
//
// Example:
//   // A transformer's token features [batch, 128, 512] normalized over 512.
//   LayerNorm(x [?,128,512], gamma [512], beta [512]) -> y [?,128,512]
#ifndef DAGRAD_OPS_LAYER_NORM_H_
#define DAGRAD_OPS_LAYER_NORM_H_

#include "ops/op.h"

namespace dagrad {

// The input indices of LayerNorm.
inline constexpr int kLayerNormX = 0;
inline constexpr int kLayerNormGamma = 1;
inline constexpr int kLayerNormBeta = 2;

struct LayerNormAttrs {
  static constexpr OpKind kKind = OpKind::kLayerNorm;
  float epsilon = 1e-5f;
};

absl::StatusOr<Shape> LayerNormShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs);
absl::Status LayerNormForward(const ForwardContext& ctx);
void LayerNormVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_LAYER_NORM_H_
