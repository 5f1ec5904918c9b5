// ops/batch_norm.h: BatchNorm, batch normalization (Ioffe & Szegedy, 2015)
// over features ([N, F]) or channels ([N, C, H, W]).
//
// Inputs: x [N, F] or [N, C, H, W], gamma [F], beta [F], running_mean [F],
// running_var [F] (F = C for images). Output: y, the shape of x. Statistics
// are per feature f, over the m = N (rank 2) or m = N*H*W (rank 4) elements
// of x that belong to it:
//   y = gamma * xhat + beta,   xhat = (x - mean) * inv_std,
//   inv_std = 1 / sqrt(var + epsilon).
//
// Training mode (ForwardContext::training): mean and var are the batch's,
//   mean = sum(x) / m,   var = sum((x - mean)^2) / m   (biased),
// and the forward updates the running statistics in place, with PyTorch's
// conventions (momentum weighs the new batch; the running variance is the
// unbiased one):
//   running_mean = (1 - momentum) * running_mean + momentum * mean
//   running_var  = (1 - momentum) * running_var
//                  + momentum * sum((x - mean)^2) / (m - 1).
// Training therefore needs m >= 2; the forward returns InvalidArgument for
// m == 1 (as PyTorch refuses "1 value per channel"). The output never
// depends on the running statistics, so repeated forwards (a gradient check)
// give the same y while the running statistics keep moving.
// Inference mode: mean = running_mean, var = running_var; nothing is updated.
//
// Inputs 3 and 4 (running_mean, running_var) are non-differentiable and
// mutable (ForwardContext::mutable_input). The VJP reads the inputs x and
// gamma (kVjpUsesInputs) and the aux buffer.
//
// Aux: 3F floats, [mean (F) | mean_lo (F) | inv_std (F)], the statistics the
// forward used (the batch's in training, the running ones in inference), so
// the VJP never recomputes them. The mean is kept as two floats, mean
// (rounded) + mean_lo (the rest of the double), and x - mean is computed as
// (x - mean) - mean_lo: a large offset common to a feature (mean >> std)
// costs no precision.
//
// Kernels. x is viewed as [N, F, S] (S = H*W, or 1). Work is split over the
// pool by feature groups fixed by the shape (16 consecutive features for
// rank 2, one channel for rank 4), never over the batch; each feature's sums
// run in double, in a fixed order, so results are bitwise equal at any
// thread count. Kernels allocate nothing (no scratch).
//
// The shape function rejects (InvalidArgument naming BatchNorm and every
// input shape): other than 5 inputs, x of rank other than 2 or 4, a
// dimension of x other than the batch unknown or < 1 (the batch may be
// unknown, -1), any of gamma, beta, running_mean, running_var not [F],
// epsilon <= 0 (or not finite), momentum outside [0, 1] (NaN included).
//
// Example:
//   BatchNormAttrs attrs;  // epsilon 1e-5, momentum 0.1
//   // x [64,6,28,28], gamma/beta/running_mean/running_var [6]
//   //   -> y [64,6,28,28], statistics over 64*28*28 values per channel.
#ifndef DAGRAD_OPS_BATCH_NORM_H_
#define DAGRAD_OPS_BATCH_NORM_H_

#include "ops/op.h"

namespace dagrad {

struct BatchNormAttrs {
  static constexpr OpKind kKind = OpKind::kBatchNorm;
  // epsilon is added to the variance before the square root; > 0.
  float epsilon = 1e-5f;
  // momentum is the weight of the batch statistics in the running ones
  // (PyTorch's convention), in [0, 1].
  float momentum = 0.1f;
};

// BatchNormInput names the op's inputs.
enum BatchNormInput : int {
  kBatchNormX = 0,
  kBatchNormGamma = 1,
  kBatchNormBeta = 2,
  kBatchNormRunningMean = 3,
  kBatchNormRunningVar = 4,
};

absl::StatusOr<Shape> BatchNormShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs);
absl::Status BatchNormForward(const ForwardContext& ctx);
void BatchNormVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_BATCH_NORM_H_
