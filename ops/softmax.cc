#include "ops/softmax.h"

#include "ops/cpu/parallel_rows.h"
#include "ops/cpu/softmax_rows.h"
#include "ops/last_axis.h"

namespace dagrad {

absl::StatusOr<Shape> SoftmaxShape(absl::Span<const Shape> inputs,
                                   const OpAttrs&) {
  return LastAxisShape(OpKind::kSoftmax, inputs);
}

// y[r, :] = softmax(x[r, :]) for each row r of the last axis.
absl::Status SoftmaxForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t c = x.shape().dim(-1);
  const int64_t rows = x.size() / c;
  const float* xd = x.data();
  float* y = ctx.output->data();
  float* lse = ctx.scratch;
  ParallelRowBlocks(ctx.pool, rows, c, [&](int64_t begin, int64_t end) {
    SoftmaxRows(xd + begin * c, end - begin, c, y + begin * c, lse + begin,
                /*with_lse=*/false);
  });
  return absl::OkStatus();
}

// Per row [C]:  dL/dx_i = y_i * (dL/dy_i - sum_j dL/dy_j * y_j)
void SoftmaxVjp(const VjpContext& ctx) {
  const Tensor& y = *ctx.output;
  const int64_t c = y.shape().dim(-1);
  const int64_t rows = y.size() / c;
  const float* yd = y.data();
  const float* dy = ctx.grad_output.data();
  float* dx = ctx.grad_input->data();
  ParallelRowBlocks(ctx.pool, rows, c, [&](int64_t begin, int64_t end) {
    SoftmaxGradRows(yd + begin * c, dy + begin * c, end - begin, c,
                    dx + begin * c);
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSoftmax)
                       .Attrs<SoftmaxAttrs>()
                       .Shape(SoftmaxShape)
                       .Forward(SoftmaxForward)
                       .Vjp(SoftmaxVjp, kVjpUsesOutput)
                       .Scratch(LastAxisRowScratch));

}  // namespace dagrad
