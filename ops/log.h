// ops/log.h: Log, y = log(x), elementwise.
//
// Inputs: x [any]. Output: y, the shape of x.
// Defined for x > 0: log(0) = -inf and log(x < 0) = NaN (IEEE), and so is
// the gradient dL/dy / x.
//
// Example:
//   Log(probabilities [64,10]) -> log-probabilities [64,10].
#ifndef DAGRAD_OPS_LOG_H_
#define DAGRAD_OPS_LOG_H_

#include "ops/op.h"

namespace dagrad {

struct LogAttrs {
  static constexpr OpKind kKind = OpKind::kLog;
};

absl::StatusOr<Shape> LogShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status LogForward(const ForwardContext& ctx);
void LogVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_LOG_H_
