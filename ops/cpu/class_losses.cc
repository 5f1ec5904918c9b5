#include "ops/cpu/class_losses.h"

#include <algorithm>
#include <cmath>

#include "ops/cpu/parallel_map.h"
#include "ops/cpu/parallel_rows.h"
#include "ops/cpu/softmax_rows.h"

namespace dagrad {
namespace {

// ScaleBy: p * scale.
struct ScaleBy {
  float scale;
  float operator()(float p) const { return p * scale; }
};

}  // namespace

float MeanOfLosses(const float* losses, int64_t n) {
  double total = 0.0;
  for (int64_t r = 0; r < n; ++r) total += losses[r];
  return static_cast<float>(total / static_cast<double>(n));
}

void CrossEntropyLosses(ThreadPool* pool, const float* p, const float* labels,
                        bool class_ids, int64_t n, int64_t c, float* losses) {
  ParallelRows(pool, n, c, [&](int64_t r) {
    const float* pr = p + r * c;
    if (class_ids) {
      losses[r] = -std::log(pr[static_cast<int64_t>(labels[r])]);
    } else {
      const float* tr = labels + r * c;
      double sum = 0.0;
      for (int64_t i = 0; i < c; ++i) {
        if (tr[i] != 0.0f) sum -= static_cast<double>(tr[i]) * std::log(pr[i]);
      }
      losses[r] = static_cast<float>(sum);
    }
  });
}

void CrossEntropyGrad(ThreadPool* pool, const float* p, const float* labels,
                      bool class_ids, int64_t n, int64_t c, float scale,
                      float* dx) {
  ParallelRows(pool, n, c, [&](int64_t r) {
    const float* pr = p + r * c;
    float* dxr = dx + r * c;
    if (class_ids) {
      for (int64_t i = 0; i < c; ++i) dxr[i] = 0.0f;
      const int64_t label = static_cast<int64_t>(labels[r]);
      dxr[label] = scale / pr[label];
    } else {
      const float* tr = labels + r * c;
      for (int64_t i = 0; i < c; ++i) {
        dxr[i] = tr[i] != 0.0f ? scale * tr[i] / pr[i] : 0.0f;
      }
    }
  });
}

// Each block computes its rows' log-sum-exps into `losses`, then turns each
// into that row's loss in place.
void SoftmaxCrossEntropyLosses(ThreadPool* pool, const float* x,
                               const float* labels, bool class_ids, int64_t n,
                               int64_t c, float* p, float* losses) {
  ParallelRowBlocks(pool, n, c, [&](int64_t begin, int64_t end) {
    SoftmaxRows(x + begin * c, end - begin, c, p + begin * c, losses + begin,
                /*with_lse=*/true);
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * c;
      const float lse = losses[r];
      if (class_ids) {
        losses[r] = lse - xr[static_cast<int64_t>(labels[r])];
      } else {
        const float* tr = labels + r * c;
        double sum = 0.0;
        for (int64_t i = 0; i < c; ++i) {
          sum += static_cast<double>(tr[i]) * (lse - xr[i]);
        }
        losses[r] = static_cast<float>(sum);
      }
    }
  });
}

void SoftmaxCrossEntropyGrad(ThreadPool* pool, const float* p,
                             const float* labels, bool class_ids, int64_t n,
                             int64_t c, float scale, float* dx) {
  if (class_ids) {
    ParallelMap(pool, n * c, p, dx, ScaleBy{scale});
    for (int64_t r = 0; r < n; ++r) {
      const int64_t k = r * c + static_cast<int64_t>(labels[r]);
      dx[k] = (p[k] - 1.0f) * scale;
    }
  } else {
    // Each row's targets may sum to anything (s_r): the derivative of
    // sum_i t_ri (lse_r - x_ri) is s_r p_ri - t_ri. For a row that sums to 1
    // (s_r == 1.0f, as a one-hot or normalized row does) this is bitwise
    // (p - t) * scale; a zero row gets a zero gradient.
    pool->ParallelFor(
        n,
        [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const float* tr = labels + r * c;
            const float* pr = p + r * c;
            float* dr = dx + r * c;
            double sum = 0.0;
            for (int64_t i = 0; i < c; ++i) sum += tr[i];
            const float s = static_cast<float>(sum);
            for (int64_t i = 0; i < c; ++i) {
              dr[i] = (pr[i] * s - tr[i]) * scale;
            }
          }
        },
        /*min_block=*/std::max<int64_t>(kElementwiseMinBlock / c, 1));
  }
}

}  // namespace dagrad
