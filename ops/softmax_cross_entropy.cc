#include "ops/softmax_cross_entropy.h"

#include "ops/cpu/class_losses.h"
#include "ops/loss_checks.h"

namespace dagrad {
namespace {

constexpr OpKind kKind = OpKind::kSoftmaxCrossEntropy;

// Aux: softmax(x), [N,C].
int64_t SceAuxFloats(const ShapeQuery& query) {
  return query.inputs[0].num_elements();
}

// Forward scratch: one loss per example, [N].
int64_t SceScratchFloats(const ShapeQuery& query, int wrt) {
  return wrt < 0 ? query.inputs[0].dim(0) : 0;
}

}  // namespace

absl::StatusOr<Shape> SoftmaxCrossEntropyShape(absl::Span<const Shape> inputs,
                                               const OpAttrs&) {
  RETURN_IF_ERROR(CheckClassLabelShapes(kKind, inputs, "logits").status());
  return ScalarShape();
}

// p_n = softmax(x_n) (saved in aux), lse_n = logsumexp(x_n),
// loss_n = lse_n - x_n[label_n]  or  sum_c t_nc (lse_n - x_nc),
// L = (1/N) sum_n loss_n, summed in example order.
absl::Status SoftmaxCrossEntropyForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  const int64_t n = x.shape().dim(0);
  const int64_t c = x.shape().dim(1);
  const bool ids = labels.shape().rank() == 1;
  if (ids) RETURN_IF_ERROR(CheckClassIds(kKind, labels.data(), n, c));
  float* losses = ctx.scratch;
  SoftmaxCrossEntropyLosses(ctx.pool, x.data(), labels.data(), ids, n, c,
                            /*p=*/ctx.aux, losses);
  ctx.output->data()[0] = MeanOfLosses(losses, n);
  return absl::OkStatus();
}

// dL/dx [N,C] = dL/dY * (s_n p - t) / N,   p = softmax(x) from aux,
// t = one_hot(labels) or the targets, s_n = sum_c t_nc (the derivative of
// sum_c t_nc (lse_n - x_nc); s_n = 1 for class ids and normalized rows, and
// a zero row, a masked example, gets no gradient).
void SoftmaxCrossEntropyVjp(const VjpContext& ctx) {
  const Tensor& labels = ctx.input(1);
  Tensor* dx = ctx.grad_input;
  const int64_t n = dx->shape().dim(0);
  const int64_t c = dx->shape().dim(1);
  const float scale = ctx.grad_output.data()[0] / static_cast<float>(n);
  const bool ids = labels.shape().rank() == 1;
  SoftmaxCrossEntropyGrad(ctx.pool, /*p=*/ctx.aux, labels.data(), ids, n, c,
                          scale, dx->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSoftmaxCrossEntropy)
                       .Attrs<SoftmaxCrossEntropyAttrs>()
                       .Shape(SoftmaxCrossEntropyShape)
                       .Forward(SoftmaxCrossEntropyForward)
                       .Vjp(SoftmaxCrossEntropyVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(1)
                       .Aux(SceAuxFloats)
                       .Scratch(SceScratchFloats));

}  // namespace dagrad
