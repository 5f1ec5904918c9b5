// ops/cpu/batch_norm.h: the kernels of BatchNorm (ops/batch_norm.h): the
// per-feature statistics, the normalization, and the VJP's per-feature sums.
//
// x is viewed as [N, F, S] (S = H*W for images, 1 for [N, F]). Work is split
// over the pool by feature groups fixed by the shape (16 consecutive
// features for S == 1, one channel otherwise), never over the batch; each
// feature's sums run in double, in a fixed order, so results are bitwise
// equal at any thread count. The kernels allocate nothing.
//
// The statistics the forward used are kept per feature as mean (rounded to
// float) + mean_lo (the rest of the double) and inv_std; x - mean is
// computed as (x - mean) - mean_lo, so a large offset common to a feature
// costs no precision.
//
// Example:
//   const BatchNormDims dims{n, f, h * w};
//   BatchNormForwardKernel(pool, dims, x, gamma, beta, /*training=*/true,
//                          1e-5, 0.1, running_mean, running_var,
//                          {mean, mean_lo, inv_std}, y);
#ifndef DAGRAD_OPS_CPU_BATCH_NORM_H_
#define DAGRAD_OPS_CPU_BATCH_NORM_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// BatchNormDims is x viewed as [n, f, s].
struct BatchNormDims {
  int64_t n = 1;
  int64_t f = 1;
  int64_t s = 1;
};

// BatchNormStats points at the statistics the forward used, f floats each:
// mean (rounded to float), mean_lo (mean - (double) mean) and inv_std.
struct BatchNormStats {
  float* mean;
  float* mean_lo;
  float* inv_std;
};

// BatchNormForwardKernel() computes y [n, f, s] and the statistics. In
// training (which needs n * s >= 2), per feature over its m = n * s values,
// in double:
//   mean = sum(x) / m,  ss = sum((x - mean)^2),  var = ss / m,
//   running_mean = (1 - momentum) running_mean + momentum mean,
//   running_var  = (1 - momentum) running_var + momentum ss / (m - 1);
// in inference mean = running_mean, var = running_var (not updated). Then
//   inv_std = 1 / sqrt(var + epsilon)   (written to `stats` with the mean),
//   y = ((x - mean) - mean_lo) * (gamma * inv_std) + beta.
void BatchNormForwardKernel(ThreadPool* pool, const BatchNormDims& dims,
                            const float* x, const float* gamma,
                            const float* beta, bool training, double epsilon,
                            double momentum, float* running_mean,
                            float* running_var, const BatchNormStats& stats,
                            float* y);

// BatchNormGrad names the gradient BatchNormVjpKernel() computes.
enum class BatchNormGrad { kX, kGamma, kBeta };

// BatchNormVjpKernel() writes one gradient to `out` ([n, f, s] for kX, [f]
// for kGamma and kBeta), from x, gamma, dy and the forward's statistics
// (mean, mean_lo, inv_std: f floats each). With xhat = (x - mean) * inv_std,
// a = gamma * inv_std, sums per feature in double:
//   kBeta:  sum(dy)                  kGamma: sum(dy * xhat)
//   kX, training:  a * dy - a * sum(dy) / m
//                  - (a * inv_std^2 * sum(dy * (x - mean)) / m) * (x - mean)
//   kX, inference: a * dy.
// x is not read for kBeta.
void BatchNormVjpKernel(ThreadPool* pool, const BatchNormDims& dims,
                        const float* x, const float* gamma, const float* dy,
                        const float* mean, const float* mean_lo,
                        const float* inv_std, bool training, BatchNormGrad wrt,
                        float* out);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_BATCH_NORM_H_
