#include "ops/batch_norm.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "ops/cpu/batch_norm.h"

namespace dagrad {
namespace {

constexpr OpKind kKind = OpKind::kBatchNorm;

// Dims() views x as [N, F, S]: S = H*W for images, 1 for [N, F].
BatchNormDims Dims(const Shape& x) {
  return {x.dim(0), x.dim(1), x.rank() == 4 ? x.dim(2) * x.dim(3) : 1};
}

// Aux: [mean (F) | mean_lo (F) | inv_std (F)].
int64_t BatchNormAuxFloats(const ShapeQuery& query) {
  return 3 * query.inputs[kBatchNormX].dim(1);
}

}  // namespace

absl::StatusOr<Shape> BatchNormShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  if (inputs.size() != 5) {
    return ShapeError(kKind, inputs,
                      absl::StrCat("takes 5 inputs (x, gamma, beta, "
                                   "running_mean, running_var), got ",
                                   inputs.size()));
  }
  const Shape& x = inputs[kBatchNormX];
  if (x.rank() != 2 && x.rank() != 4) {
    return ShapeError(
        kKind, inputs,
        absl::StrCat("x ", x.DebugString(), " must be [N, F] or [N, C, H, W]"));
  }
  for (int i = 0; i < x.rank(); ++i) {
    if (i == 0 && x.dim(0) == Shape::kUnknownDim) continue;
    if (x.dim(i) < 1) {
      return ShapeError(kKind, inputs,
                        absl::StrCat("x ", x.DebugString(),
                                     " must have dimensions >= 1 (only the "
                                     "batch may be unknown)"));
    }
  }
  const Shape features({x.dim(1)});
  const char* const kVectorNames[] = {"gamma", "beta", "running_mean",
                                      "running_var"};
  for (int i = kBatchNormGamma; i <= kBatchNormRunningVar; ++i) {
    if (inputs[i] != features) {
      return ShapeError(
          kKind, inputs,
          absl::StrCat(kVectorNames[i - 1], " ", inputs[i].DebugString(),
                       " must be [F] = ", features.DebugString()));
    }
  }
  const auto& at = AttrsAs<BatchNormAttrs>(attrs);
  if (!(at.epsilon > 0.0f) || !std::isfinite(at.epsilon)) {
    return ShapeError(
        kKind, inputs,
        absl::StrCat("epsilon = ", at.epsilon, " must be > 0 and finite"));
  }
  if (!(at.momentum >= 0.0f && at.momentum <= 1.0f)) {  // Also rejects NaN.
    return ShapeError(
        kKind, inputs,
        absl::StrCat("momentum = ", at.momentum, " must be in [0, 1]"));
  }
  return x;
}

// Per feature f over its m values (sums in double):
//   training:  mean = sum(x) / m,  ss = sum((x - mean)^2),  var = ss / m;
//              running_mean = (1 - momentum) running_mean + momentum mean,
//              running_var  = (1 - momentum) running_var
//                             + momentum ss / (m - 1).
//   inference: mean = running_mean,  var = running_var.
//   inv_std = 1 / sqrt(var + epsilon)     (aux: mean as hi + lo, inv_std)
//   y = (x - mean) * (gamma * inv_std) + beta.
absl::Status BatchNormForward(const ForwardContext& ctx) {
  const auto& at = AttrsAs<BatchNormAttrs>(ctx.attrs);
  const Tensor& x = ctx.input(kBatchNormX);
  const BatchNormDims dims = Dims(x.shape());
  const int64_t m = dims.n * dims.s;
  if (ctx.training && m < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "BatchNorm: training needs at least 2 values per feature to estimate "
        "the variance; x ",
        x.shape().DebugString(), " has ", m, " value per feature"));
  }
  const BatchNormStats stats{ctx.aux, ctx.aux + dims.f, ctx.aux + 2 * dims.f};
  BatchNormForwardKernel(
      ctx.pool, dims, x.data(), ctx.input(kBatchNormGamma).data(),
      ctx.input(kBatchNormBeta).data(), ctx.training, at.epsilon, at.momentum,
      ctx.mutable_input(kBatchNormRunningMean)->data(),
      ctx.mutable_input(kBatchNormRunningVar)->data(), stats,
      ctx.output->data());
  return absl::OkStatus();
}

// Per feature, with mean and inv_std from aux, xhat = (x - mean) * inv_std,
// a = gamma * inv_std, sums over the feature's m values (in double):
//   dL/dbeta  = sum(dy)
//   dL/dgamma = sum(dy * xhat)
//   training (mean, inv_std depend on x):
//     dL/dx = a / m * (m * dy - sum(dy) - xhat * sum(dy * xhat))
//           = a * dy - a * sum(dy) / m
//             - (a * inv_std^2 * sum(dy * (x - mean)) / m) * (x - mean)
//   inference (running statistics are constants):
//     dL/dx = a * dy
void BatchNormVjp(const VjpContext& ctx) {
  const Tensor& x = ctx.input(kBatchNormX);
  const BatchNormDims dims = Dims(x.shape());
  const BatchNormGrad wrt = ctx.wrt == kBatchNormX       ? BatchNormGrad::kX
                            : ctx.wrt == kBatchNormGamma ? BatchNormGrad::kGamma
                                                         : BatchNormGrad::kBeta;
  BatchNormVjpKernel(ctx.pool, dims, x.data(),
                     ctx.input(kBatchNormGamma).data(), ctx.grad_output.data(),
                     /*mean=*/ctx.aux,
                     /*mean_lo=*/ctx.aux + dims.f,
                     /*inv_std=*/ctx.aux + 2 * dims.f, ctx.training, wrt,
                     ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kBatchNorm)
                       .Attrs<BatchNormAttrs>()
                       .Shape(BatchNormShape)
                       .Forward(BatchNormForward)
                       .Vjp(BatchNormVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(kBatchNormRunningMean)
                       .NonDifferentiableInput(kBatchNormRunningVar)
                       .MutableInput(kBatchNormRunningMean)
                       .MutableInput(kBatchNormRunningVar)
                       .Aux(BatchNormAuxFloats));

}  // namespace dagrad
