// ops/cpu/layer_norm.h: layer normalization of the rows of x [rows, d], the
// kernels of LayerNorm.
//
//  - LayerNormRows(): per row, mean and rstd = 1 / sqrt(var + epsilon)
//    (sums in double, in index order), then y = gamma * xhat + beta with
//    xhat = (x - mean) * rstd.
//  - LayerNormInputGrad(): dx = rstd * (g - mean(g) - xhat * mean(g xhat))
//    per row, g = dy * gamma.
//  - LayerNormGammaGrad(): dgamma[j] = sum over rows, in row order, of
//    dy * xhat (dbeta is ReduceMiddle() of dy, ops/cpu/reduce.h).
//
// Determinism: rows are split over the pool whole (each row's arithmetic is
// fixed), and the column sums split the columns, each summed over the rows
// in order by one thread: bitwise the same at any thread count.
//
// Example:
//   LayerNormRows(pool, x, gamma, beta, n, d, 1e-5f, y, mean, rstd);
#ifndef DAGRAD_OPS_CPU_LAYER_NORM_H_
#define DAGRAD_OPS_CPU_LAYER_NORM_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// LayerNormRows() writes y [rows, d] and the statistics mean [rows] and
// rstd [rows]. Requires d >= 1.
void LayerNormRows(ThreadPool* pool, const float* x, const float* gamma,
                   const float* beta, int64_t rows, int64_t d, float epsilon,
                   float* y, float* mean, float* rstd);

// LayerNormInputGrad() writes dx [rows, d] from the forward's statistics.
void LayerNormInputGrad(ThreadPool* pool, const float* x, const float* gamma,
                        const float* dy, const float* mean, const float* rstd,
                        int64_t rows, int64_t d, float* dx);

// LayerNormGammaGrad() writes dgamma [d] = sum_r dy[r,:] * xhat[r,:].
void LayerNormGammaGrad(ThreadPool* pool, const float* x, const float* dy,
                        const float* mean, const float* rstd, int64_t rows,
                        int64_t d, float* dgamma);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_LAYER_NORM_H_
