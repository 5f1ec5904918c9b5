// ops/log_softmax.h: LogSoftmax over the last axis.
//
// Inputs: x [..., C], any rank >= 1, C >= 1 (known). Output: y, the shape of
// x, with y[..., i] = x[..., i] - log(sum_j exp(x[..., j])) = log softmax.
// Computed by a stable log-sum-exp (x - max(x) before exp), so logits of
// +-1000 give finite results; every finite y is <= 0. A row holding NaN or
// +inf (or only -inf) gives NaN throughout that row.
//
// Example:
//   Tensor x = Tensor::FromValues(Shape({3}), {1, 2, 3});
//   ASSIGN_OR_RETURN(Tensor y, RunForward(OpKind::kLogSoftmax,
//                                         LogSoftmaxAttrs{}, {&x}));
//   // [-2.408, -1.408, -0.408]
#ifndef DAGRAD_OPS_LOG_SOFTMAX_H_
#define DAGRAD_OPS_LOG_SOFTMAX_H_

#include "ops/op.h"

namespace dagrad {

struct LogSoftmaxAttrs {
  static constexpr OpKind kKind = OpKind::kLogSoftmax;
};

absl::StatusOr<Shape> LogSoftmaxShape(absl::Span<const Shape> inputs,
                                      const OpAttrs& attrs);
absl::Status LogSoftmaxForward(const ForwardContext& ctx);
void LogSoftmaxVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_LOG_SOFTMAX_H_
