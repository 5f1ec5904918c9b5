// ops/bias_add.h: BiasAdd, y[n,c,...] = x[n,c,...] + bias[c].
//
// Inputs: x [N,C] or [N,C,H,W] (any rank >= 2, channels on axis 1), bias [C].
// Output: y, the shape of x. dBias sums dL/dy over every axis but 1; each
// channel is summed by one thread in a fixed order (images in order, each
// image's spatial block with fixed lanes), so it is bitwise the same at any
// thread count.
#ifndef DAGRAD_OPS_BIAS_ADD_H_
#define DAGRAD_OPS_BIAS_ADD_H_

#include "ops/op.h"

namespace dagrad {

struct BiasAddAttrs {
  static constexpr OpKind kKind = OpKind::kBiasAdd;
};

absl::StatusOr<Shape> BiasAddShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status BiasAddForward(const ForwardContext& ctx);
void BiasAddVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_BIAS_ADD_H_
