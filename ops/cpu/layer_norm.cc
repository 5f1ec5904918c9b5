#include "ops/cpu/layer_norm.h"

#include <cmath>

#include "ops/cpu/parallel_rows.h"

namespace dagrad {
namespace {

// kColumnBlock: LayerNormGammaGrad()'s task is a block of columns.
constexpr int64_t kColumnBlock = 64;

}  // namespace

void LayerNormRows(ThreadPool* pool, const float* x, const float* gamma,
                   const float* beta, int64_t rows, int64_t d, float epsilon,
                   float* y, float* mean, float* rstd) {
  ParallelRows(pool, rows, d, [&](int64_t r) {
    const float* xr = x + r * d;
    double sum = 0.0;
    for (int64_t j = 0; j < d; ++j) sum += xr[j];
    const double mu = sum / static_cast<double>(d);
    double sq = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      const double c = xr[j] - mu;
      sq += c * c;
    }
    const float m = static_cast<float>(mu);
    const float s = static_cast<float>(
        1.0 / std::sqrt(sq / static_cast<double>(d) + epsilon));
    mean[r] = m;
    rstd[r] = s;
    float* yr = y + r * d;
    for (int64_t j = 0; j < d; ++j) {
      yr[j] = gamma[j] * ((xr[j] - m) * s) + beta[j];
    }
  });
}

void LayerNormInputGrad(ThreadPool* pool, const float* x, const float* gamma,
                        const float* dy, const float* mean, const float* rstd,
                        int64_t rows, int64_t d, float* dx) {
  ParallelRows(pool, rows, d, [&](int64_t r) {
    const float* xr = x + r * d;
    const float* dyr = dy + r * d;
    const float m = mean[r], s = rstd[r];
    double sum_g = 0.0, sum_gx = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      const float g = dyr[j] * gamma[j];
      sum_g += g;
      sum_gx += static_cast<double>(g) * ((xr[j] - m) * s);
    }
    const float mean_g = static_cast<float>(sum_g / static_cast<double>(d));
    const float mean_gx = static_cast<float>(sum_gx / static_cast<double>(d));
    float* dxr = dx + r * d;
    for (int64_t j = 0; j < d; ++j) {
      const float xhat = (xr[j] - m) * s;
      dxr[j] = s * (dyr[j] * gamma[j] - mean_g - xhat * mean_gx);
    }
  });
}

void LayerNormGammaGrad(ThreadPool* pool, const float* x, const float* dy,
                        const float* mean, const float* rstd, int64_t rows,
                        int64_t d, float* dgamma) {
  const int64_t blocks = (d + kColumnBlock - 1) / kColumnBlock;
  pool->ParallelFor(
      blocks,
      [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) {
          const int64_t j0 = b * kColumnBlock;
          const int64_t j1 = j0 + kColumnBlock < d ? j0 + kColumnBlock : d;
          for (int64_t j = j0; j < j1; ++j) dgamma[j] = 0.0f;
          for (int64_t r = 0; r < rows; ++r) {
            const float* xr = x + r * d;
            const float* dyr = dy + r * d;
            const float m = mean[r], s = rstd[r];
            for (int64_t j = j0; j < j1; ++j) {
              dgamma[j] += dyr[j] * ((xr[j] - m) * s);
            }
          }
        }
      },
      1 + 16384 / (rows * kColumnBlock > 0 ? rows * kColumnBlock : 1));
}

}  // namespace dagrad
