#include "ops/softmax_cross_entropy.h"

#include "ops/act_util.h"
#include "ops/loss_util.h"

namespace dagrad {
namespace {

constexpr OpKind kKind = OpKind::kSoftmaxCrossEntropy;

// Aux: softmax(x), [N,C].
int64_t SceAuxFloats(const ShapeQuery& query) {
  return query.inputs[0].num_elements();
}

// ScaleBy: p * scale.
struct ScaleBy {
  float scale;
  float operator()(float p) const { return p * scale; }
};

// ScaledDifference: (p - t) * scale.
struct ScaledDifference {
  float scale;
  float operator()(float p, float t) const { return (p - t) * scale; }
};

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
  const float* xd = x.data();
  const float* ld = labels.data();
  float* p = ctx.aux;
  // Each block computes its rows' log-sum-exps into `losses`, then turns
  // each into that row's loss in place.
  float* losses = ctx.scratch;
  ParallelRowBlocks(ctx.pool, n, c, [&](int64_t begin, int64_t end) {
    SoftmaxRows(xd + begin * c, end - begin, c, p + begin * c,
                losses + begin, /*with_lse=*/true);
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = xd + r * c;
      const float lse = losses[r];
      if (ids) {
        losses[r] = lse - xr[static_cast<int64_t>(ld[r])];
      } else {
        const float* tr = ld + r * c;
        double sum = 0.0;
        for (int64_t i = 0; i < c; ++i) {
          sum += static_cast<double>(tr[i]) * (lse - xr[i]);
        }
        losses[r] = static_cast<float>(sum);
      }
    }
  });
  double total = 0.0;
  for (int64_t r = 0; r < n; ++r) total += losses[r];
  ctx.output->data()[0] = static_cast<float>(total / static_cast<double>(n));
  return absl::OkStatus();
}

// dL/dx [N,C] = dL/dY * (p - t) / N,   p = softmax(x) from aux,
// t = one_hot(labels) or the targets.
void SoftmaxCrossEntropyVjp(const VjpContext& ctx) {
  const Tensor& labels = ctx.input(1);
  Tensor* dx = ctx.grad_input;
  const int64_t n = dx->shape().dim(0);
  const int64_t c = dx->shape().dim(1);
  const float scale = ctx.grad_output.data()[0] / static_cast<float>(n);
  const bool ids = labels.shape().rank() == 1;
  const float* p = ctx.aux;
  const float* ld = labels.data();
  float* dxd = dx->data();
  if (ids) {
    ParallelMap(ctx.pool, n * c, p, dxd, ScaleBy{scale});
    for (int64_t r = 0; r < n; ++r) {
      const int64_t k = r * c + static_cast<int64_t>(ld[r]);
      dxd[k] = (p[k] - 1.0f) * scale;
    }
  } else {
    ParallelMap(ctx.pool, n * c, p, ld, dxd, ScaledDifference{scale});
  }
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
