#include "ops/log_softmax.h"

#include "ops/cpu/parallel_rows.h"
#include "ops/cpu/softmax_rows.h"
#include "ops/last_axis.h"

namespace dagrad {

absl::StatusOr<Shape> LogSoftmaxShape(absl::Span<const Shape> inputs,
                                      const OpAttrs&) {
  return LastAxisShape(OpKind::kLogSoftmax, inputs);
}

// y[r, :] = x[r, :] - logsumexp(x[r, :]) for each row r of the last axis.
absl::Status LogSoftmaxForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t c = x.shape().dim(-1);
  const int64_t rows = x.size() / c;
  const float* xd = x.data();
  float* y = ctx.output->data();
  float* lse = ctx.scratch;
  ParallelRowBlocks(ctx.pool, rows, c, [&](int64_t begin, int64_t end) {
    LogSoftmaxRows(xd + begin * c, end - begin, c, y + begin * c, lse + begin);
  });
  return absl::OkStatus();
}

// Per row [C], with softmax(x) = exp(y):
//   dL/dx_i = dL/dy_i - exp(y_i) * sum_j dL/dy_j
void LogSoftmaxVjp(const VjpContext& ctx) {
  const Tensor& y = *ctx.output;
  const int64_t c = y.shape().dim(-1);
  const int64_t rows = y.size() / c;
  const float* yd = y.data();
  const float* dy = ctx.grad_output.data();
  float* dx = ctx.grad_input->data();
  ParallelRowBlocks(ctx.pool, rows, c, [&](int64_t begin, int64_t end) {
    LogSoftmaxGradRows(yd + begin * c, dy + begin * c, end - begin, c,
                       dx + begin * c);
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kLogSoftmax)
                       .Attrs<LogSoftmaxAttrs>()
                       .Shape(LogSoftmaxShape)
                       .Forward(LogSoftmaxForward)
                       .Vjp(LogSoftmaxVjp, kVjpUsesOutput)
                       .Scratch(LastAxisRowScratch));

}  // namespace dagrad
