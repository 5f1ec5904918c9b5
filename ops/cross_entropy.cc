#include "ops/cross_entropy.h"

#include <cmath>

#include "ops/loss_util.h"

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
  const float* pd = p.data();
  const float* ld = labels.data();
  float* losses = ctx.scratch;
  ParallelRows(ctx.pool, n, c, [&](int64_t r) {
    const float* pr = pd + r * c;
    if (ids) {
      losses[r] = -std::log(pr[static_cast<int64_t>(ld[r])]);
    } else {
      const float* tr = ld + r * c;
      double sum = 0.0;
      for (int64_t i = 0; i < c; ++i) {
        if (tr[i] != 0.0f) sum -= static_cast<double>(tr[i]) * std::log(pr[i]);
      }
      losses[r] = static_cast<float>(sum);
    }
  });
  double total = 0.0;
  for (int64_t r = 0; r < n; ++r) total += losses[r];
  ctx.output->data()[0] = static_cast<float>(total / static_cast<double>(n));
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
  const float* pd = p.data();
  const float* ld = labels.data();
  float* dx = ctx.grad_input->data();
  ParallelRows(ctx.pool, n, c, [&](int64_t r) {
    const float* pr = pd + r * c;
    float* dxr = dx + r * c;
    if (ids) {
      for (int64_t i = 0; i < c; ++i) dxr[i] = 0.0f;
      const int64_t label = static_cast<int64_t>(ld[r]);
      dxr[label] = scale / pr[label];
    } else {
      const float* tr = ld + r * c;
      for (int64_t i = 0; i < c; ++i) {
        dxr[i] = tr[i] != 0.0f ? scale * tr[i] / pr[i] : 0.0f;
      }
    }
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kCrossEntropy)
                       .Attrs<CrossEntropyAttrs>()
                       .Shape(CrossEntropyShape)
                       .Forward(CrossEntropyForward)
                       .Vjp(CrossEntropyVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(1)
                       .Scratch(CrossEntropyScratchFloats));

}  // namespace dagrad
