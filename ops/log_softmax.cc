#include "ops/log_softmax.h"

#include <cstring>

#include "ops/loss_util.h"

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
    // dx holds exp(y) (y <= 0) until it is overwritten row by row.
    std::memcpy(dx + begin * c, yd + begin * c,
                static_cast<size_t>((end - begin) * c) * sizeof(float));
    ExpNonPositiveInPlace(dx + begin * c, (end - begin) * c);
    for (int64_t r = begin; r < end; ++r) {
      const float* dyr = dy + r * c;
      float* dxr = dx + r * c;
      float sum = 0.0f;
      for (int64_t i = 0; i < c; ++i) sum += dyr[i];
      // The forward makes a row NaN throughout or not at all; exp lost the
      // NaN, so put it back.
      const float y0 = yd[r * c];
      const float guard = y0 == y0 ? 0.0f : y0;
      for (int64_t i = 0; i < c; ++i) dxr[i] = dyr[i] - dxr[i] * sum + guard;
    }
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kLogSoftmax)
                       .Attrs<LogSoftmaxAttrs>()
                       .Shape(LogSoftmaxShape)
                       .Forward(LogSoftmaxForward)
                       .Vjp(LogSoftmaxVjp, kVjpUsesOutput)
                       .Scratch(LastAxisRowScratch));

}  // namespace dagrad
