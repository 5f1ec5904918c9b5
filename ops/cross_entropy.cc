#include "ops/cross_entropy.h"

#include "ops/cpu/class_losses.h"
#include "ops/loss_checks.h"

namespace dagrad {
namespace {

constexpr OpKind kKind = OpKind::kCrossEntropy;

// Forward scratch: one loss per example, [N].
int64_t CrossEntropyScratchFloats(const ShapeQuery& query, int wrt) {
  return wrt < 0 ? query.inputs[0].dim(0) : 0;
}

}  // namespace

absl::StatusOr<Shape> CrossEntropyShape(absl::Span<const Shape> inputs,
                                        const OpAttrs&) {
  RETURN_IF_ERROR(
      CheckClassLabelShapes(kKind, inputs, "probabilities").status());
  return ScalarShape();
}

// loss_n = -log p_n[label_n]  or  -sum_{c: t_nc != 0} t_nc log p_nc,
// L = (1/N) sum_n loss_n, summed in example order.
absl::Status CrossEntropyForward(const ForwardContext& ctx) {
  const Tensor& p = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  const int64_t n = p.shape().dim(0);
  const int64_t c = p.shape().dim(1);
  const bool ids = labels.shape().rank() == 1;
  if (ids) RETURN_IF_ERROR(CheckClassIds(kKind, labels.data(), n, c));
  float* losses = ctx.scratch;
  CrossEntropyLosses(ctx.pool, p.data(), labels.data(), ids, n, c, losses);
  ctx.output->data()[0] = MeanOfLosses(losses, n);
  return absl::OkStatus();
}

// dL/dp [N,C] = -dL/dY * t / (N p)   (0 where t == 0)
void CrossEntropyVjp(const VjpContext& ctx) {
  const Tensor& p = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  const int64_t n = p.shape().dim(0);
  const int64_t c = p.shape().dim(1);
  const float scale = -ctx.grad_output.data()[0] / static_cast<float>(n);
  const bool ids = labels.shape().rank() == 1;
  CrossEntropyGrad(ctx.pool, p.data(), labels.data(), ids, n, c, scale,
                   ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kCrossEntropy)
                       .Attrs<CrossEntropyAttrs>()
                       .Shape(CrossEntropyShape)
                       .Forward(CrossEntropyForward)
                       .Vjp(CrossEntropyVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(1)
                       .Scratch(CrossEntropyScratchFloats));

}  // namespace dagrad
