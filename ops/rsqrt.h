// ops/rsqrt.h: Rsqrt, y = 1 / sqrt(x), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// Defined for x > 0 (inf at 0, NaN below). The VJP reads only the output.
//
// Example:
//   Rsqrt(variance + epsilon) -> the normalizing factor of a norm layer.
#ifndef DAGRAD_OPS_RSQRT_H_
#define DAGRAD_OPS_RSQRT_H_

#include "ops/op.h"

namespace dagrad {

struct RsqrtAttrs {
  static constexpr OpKind kKind = OpKind::kRsqrt;
};

absl::StatusOr<Shape> RsqrtShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs);
absl::Status RsqrtForward(const ForwardContext& ctx);
void RsqrtVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_RSQRT_H_
