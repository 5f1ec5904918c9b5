// ops/softmax.h: Softmax over the last axis.
//
// Inputs: x [..., C], any rank >= 1, C >= 1 (known). Output: y, the shape of
// x, with y[..., i] = exp(x[..., i]) / sum_j exp(x[..., j]) for each row of
// the last axis. Computed stably (x - max(x) before exp), so logits of
// +-1000 give exact 0/1 probabilities, never NaN. A row holding NaN or +inf
// (or only -inf) gives NaN throughout that row, as in PyTorch.
//
// Example:
//   Tensor x = Tensor::FromValues(Shape({1, 3}), {1, 2, 3});
//   ASSIGN_OR_RETURN(Tensor y, RunForward(OpKind::kSoftmax, SoftmaxAttrs{},
//                                         {&x}));  // [0.090, 0.245, 0.665]
#ifndef DAGRAD_OPS_SOFTMAX_H_
#define DAGRAD_OPS_SOFTMAX_H_

#include "ops/op.h"

namespace dagrad {

struct SoftmaxAttrs {
  static constexpr OpKind kKind = OpKind::kSoftmax;
};

absl::StatusOr<Shape> SoftmaxShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status SoftmaxForward(const ForwardContext& ctx);
void SoftmaxVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SOFTMAX_H_
