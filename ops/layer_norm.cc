#include "ops/layer_norm.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "ops/cpu/layer_norm.h"
#include "ops/cpu/reduce.h"

namespace dagrad {
namespace {

// Split() views x as [rows, d] with d = gamma's element count.
struct RowsAndWidth {
  int64_t rows, d;
};
RowsAndWidth Split(const Shape& x, const Shape& gamma) {
  const int64_t d = gamma.num_elements();
  return {x.num_elements() / d, d};
}

// Aux: [mean (rows) | rstd (rows)].
int64_t LayerNormAux(const ShapeQuery& q) {
  return 2 * Split(q.inputs[kLayerNormX], q.inputs[kLayerNormGamma]).rows;
}

}  // namespace

absl::StatusOr<Shape> LayerNormShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  const Shape& x = inputs[kLayerNormX];
  const Shape& gamma = inputs[kLayerNormGamma];
  const float epsilon = AttrsAs<LayerNormAttrs>(attrs).epsilon;
  if (!(epsilon > 0.0f) || !std::isfinite(epsilon)) {
    return ShapeError(
        OpKind::kLayerNorm, inputs,
        absl::StrCat("epsilon ", epsilon, " must be finite and > 0"));
  }
  if (inputs[kLayerNormBeta] != gamma) {
    return ShapeError(
        OpKind::kLayerNorm, inputs,
        absl::StrCat("beta ", inputs[kLayerNormBeta].DebugString(),
                     " must have gamma's shape ", gamma.DebugString()));
  }
  const int k = gamma.rank(), lead = x.rank() - k;
  bool ok = k >= 1 && lead >= 0;
  for (int i = 0; ok && i < k; ++i) {
    ok = gamma.dim(i) >= 1 && x.dim(lead + i) == gamma.dim(i);
  }
  if (!ok) {
    return ShapeError(
        OpKind::kLayerNorm, inputs,
        absl::StrCat("x ", x.DebugString(), " must end in gamma's shape ",
                     gamma.DebugString(), " (rank >= 1, dims >= 1)"));
  }
  return x;
}

// mean, var over each row of x [rows, d]; xhat = (x - mean) * rstd,
// rstd = 1 / sqrt(var + epsilon);  y = gamma * xhat + beta
absl::Status LayerNormForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(kLayerNormX);
  const RowsAndWidth s = Split(x.shape(), ctx.input(kLayerNormGamma).shape());
  LayerNormRows(ctx.pool, x.data(), ctx.input(kLayerNormGamma).data(),
                ctx.input(kLayerNormBeta).data(), s.rows, s.d,
                AttrsAs<LayerNormAttrs>(ctx.attrs).epsilon, ctx.output->data(),
                ctx.aux, ctx.aux + s.rows);
  return absl::OkStatus();
}

// g = dL/dy * gamma
// dL/dx     = rstd * (g - mean_row(g) - xhat * mean_row(g * xhat))
// dL/dgamma = sum_rows dL/dy * xhat,   dL/dbeta = sum_rows dL/dy
void LayerNormVjp(const VjpContext& ctx) {
  const Tensor& x = ctx.input(kLayerNormX);
  const RowsAndWidth s = Split(x.shape(), ctx.input(kLayerNormGamma).shape());
  const float* mean = ctx.aux;
  const float* rstd = ctx.aux + s.rows;
  const float* dy = ctx.grad_output.data();
  float* out = ctx.grad_input->data();
  switch (ctx.wrt) {
    case kLayerNormX:
      LayerNormInputGrad(ctx.pool, x.data(), ctx.input(kLayerNormGamma).data(),
                         dy, mean, rstd, s.rows, s.d, out);
      break;
    case kLayerNormGamma:
      LayerNormGammaGrad(ctx.pool, x.data(), dy, mean, rstd, s.rows, s.d, out);
      break;
    default:
      ReduceMiddle(ctx.pool, dy, 1, s.rows, s.d, 1.0f, out);
      break;
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kLayerNorm)
                       .Attrs<LayerNormAttrs>()
                       .Shape(LayerNormShape)
                       .Forward(LayerNormForward)
                       .Aux(LayerNormAux)
                       .Vjp(LayerNormVjp, kVjpUsesInputs));

}  // namespace dagrad
