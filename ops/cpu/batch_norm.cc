#include "ops/cpu/batch_norm.h"

#include <algorithm>
#include <cmath>

namespace dagrad {
namespace {

// kLanes is the number of accumulators per group (one AVX-512 vector of
// floats): rank 2 groups 16 features, one per lane; rank 4 spreads a
// channel's plane over 16 lanes.
constexpr int kLanes = 16;
// kMinElementsPerThread: below this many elements a second thread costs more
// than it saves.
constexpr int64_t kMinElementsPerThread = 16384;

// Layout views x as [n, f, s]: s = H*W for images, 1 for [N, F].
struct Layout {
  explicit Layout(const BatchNormDims& d) : n(d.n), f(d.f), s(d.s) {}
  int64_t count() const { return n * s; }  // m, the values per feature.
  int64_t row_stride() const { return f * s; }
  int64_t groups() const { return s == 1 ? (f + kLanes - 1) / kLanes : f; }

  int64_t n, f, s;
};

// Group is the unit of work, fixed by the shape. Rank 2: features [first,
// first + features), at most kLanes; row r's part is x[r*F + first, ...) and
// lane k is feature first + k. Rank 4: channel `first` (features == 1); row
// r's part is the plane x[(r*C + first)*S, ...) and lane k collects the
// plane positions p with p % kLanes == k.
struct Group {
  int64_t first;
  int features;
  int64_t offset;  // Of row 0's part.
  int64_t len;     // Floats in each row's part.
};

Group GroupOf(const Layout& l, int64_t g) {
  if (l.s == 1) {
    const int64_t first = g * kLanes;
    const int features =
        static_cast<int>(std::min<int64_t>(kLanes, l.f - first));
    return {first, features, first, features};
  }
  return {g, 1, g * l.s, l.s};
}

// Spread() copies per-feature values (indexed by feature - first, kLanes
// entries) to lanes: lane k holds feature k's value, or in a one-feature
// group that feature's.
template <typename T>
void Spread(const Group& g, const T* per_feature, T* lanes) {
  for (int k = 0; k < kLanes; ++k)
    lanes[k] = per_feature[g.features == 1 ? 0 : k];
}

// Totals() turns lane sums into per-feature sums: a feature of a rank-2 group
// owns its lane; a one-feature group adds its lanes in lane order.
void Totals(const Group& g, const double* lanes, double* per_feature) {
  if (g.features > 1) {
    for (int k = 0; k < kLanes; ++k) per_feature[k] = lanes[k];
    return;
  }
  double total = 0.0;
  for (int k = 0; k < kLanes; ++k) total += lanes[k];
  per_feature[0] = total;
  for (int k = 1; k < kLanes; ++k) per_feature[k] = 0.0;
}

// Accumulate() adds term(k, a[i], b[i], s0, s1) into s0 = acc0[k] and
// s1 = acc1[k] (zeroed by the caller) for each element i of group g, where
// element p of a row's part is in lane k = p % kLanes. Each lane sums, rows
// in order, the elements of the parts' full 16-float blocks (in register
// accumulators) and, separately, the rest (a part shorter than 16, or a
// plane's last len % 16 floats), then adds the two: an order fixed by the
// shape alone.
template <typename Term>
void Accumulate(const Layout& l, const Group& g, const float* a, const float* b,
                double* acc0, double* acc1, Term term) {
  const int64_t full = g.len / kLanes * kLanes;
  double full0[kLanes] = {};
  double full1[kLanes] = {};
  for (int64_t r = 0; r < l.n; ++r) {
    const float* ar = a + g.offset + r * l.row_stride();
    const float* br = b + g.offset + r * l.row_stride();
    for (int64_t i = 0; i < full; i += kLanes) {
      for (int k = 0; k < kLanes; ++k) {
        term(k, ar[i + k], br[i + k], full0[k], full1[k]);
      }
    }
  }
  if (full < g.len) {
    for (int64_t r = 0; r < l.n; ++r) {
      const float* ar = a + g.offset + r * l.row_stride();
      const float* br = b + g.offset + r * l.row_stride();
      for (int64_t i = full, k = 0; i < g.len; ++i, ++k) {
        term(static_cast<int>(k), ar[i], br[i], acc0[k], acc1[k]);
      }
    }
  }
  for (int k = 0; k < kLanes; ++k) {
    acc0[k] += full0[k];
    acc1[k] += full1[k];
  }
}

// MapRow() sets out[i] = fn(i % kLanes, a[i], b[i]) for i < len. `out`
// overlaps nothing else that fn reads (restrict), so the 16-lane body
// vectorizes.
template <typename Fn>
inline void MapRow(const float* __restrict a, const float* __restrict b,
                   float* __restrict out, int64_t len, Fn fn) {
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) out[i + k] = fn(k, a[i + k], b[i + k]);
  }
  for (int k = 0; i < len; ++i, ++k) out[i] = fn(k, a[i], b[i]);
}

// Map() sets out[i] = fn(k, a[i], b[i]) over group g, lanes as in
// Accumulate().
template <typename Fn>
void Map(const Layout& l, const Group& g, const float* a, const float* b,
         float* out, Fn fn) {
  for (int64_t r = 0; r < l.n; ++r) {
    const int64_t base = g.offset + r * l.row_stride();
    MapRow(a + base, b + base, out + base, g.len, fn);
  }
}

// ForEachGroup() calls fn(group) for every group, groups split over `pool`
// (each group is computed the same way wherever the split falls).
template <typename Fn>
void ForEachGroup(ThreadPool* pool, const Layout& l, Fn fn) {
  const int64_t per_group =
      l.n * (l.s == 1 ? std::min<int64_t>(kLanes, l.f) : l.s);
  const int64_t min_groups = std::max<int64_t>(
      1, kMinElementsPerThread / std::max<int64_t>(per_group, 1));
  pool->ParallelFor(
      l.groups(),
      [&](int64_t begin, int64_t end) {
        for (int64_t g = begin; g < end; ++g) fn(GroupOf(l, g));
      },
      min_groups);
}

// Centered() is x - mean for mean = hi + lo (hi = mean rounded to float, lo
// the rest): x - hi is exact for x near the mean (Sterbenz), so a large
// offset common to a feature costs no precision.
inline float Centered(float x, float hi, float lo) { return (x - hi) - lo; }

}  // namespace

// The math and its order: ops/cpu/batch_norm.h and ops/batch_norm.cc.
void BatchNormForwardKernel(ThreadPool* pool, const BatchNormDims& dims,
                            const float* x, const float* gamma,
                            const float* beta, bool training, double epsilon,
                            double momentum, float* running_mean,
                            float* running_var, const BatchNormStats& stats,
                            float* y) {
  const Layout l(dims);
  const int64_t m = l.count();
  float* aux_mean = stats.mean;
  float* aux_mean_lo = stats.mean_lo;
  float* aux_inv_std = stats.inv_std;
  const double inv_m = 1.0 / static_cast<double>(m);
  ForEachGroup(pool, l, [&](const Group& g) {
    double mean[kLanes] = {};
    double var[kLanes] = {};
    if (training) {
      double sum[kLanes] = {};
      double unused[kLanes] = {};
      Accumulate(l, g, x, x, sum, unused,
                 [](int, float v, float, double& s, double&) { s += v; });
      Totals(g, sum, mean);
      for (int j = 0; j < kLanes; ++j) mean[j] *= inv_m;
      double lane_mean[kLanes];
      Spread(g, mean, lane_mean);
      double squares[kLanes] = {};
      Accumulate(l, g, x, x, squares, unused,
                 [&](int k, float v, float, double& s, double&) {
                   const double d = static_cast<double>(v) - lane_mean[k];
                   s += d * d;
                 });
      double ss[kLanes];
      Totals(g, squares, ss);
      for (int j = 0; j < g.features; ++j) {
        const int64_t f = g.first + j;
        var[j] = ss[j] * inv_m;
        running_mean[f] = static_cast<float>(
            (1.0 - momentum) * running_mean[f] + momentum * mean[j]);
        running_var[f] =
            static_cast<float>((1.0 - momentum) * running_var[f] +
                               momentum * ss[j] / static_cast<double>(m - 1));
      }
    } else {
      for (int j = 0; j < g.features; ++j) {
        mean[j] = running_mean[g.first + j];
        var[j] = running_var[g.first + j];
      }
    }
    float mean_hi[kLanes] = {};
    float mean_lo[kLanes] = {};
    float scale[kLanes] = {};
    float shift[kLanes] = {};
    for (int j = 0; j < g.features; ++j) {
      const int64_t f = g.first + j;
      const float inv_std =
          static_cast<float>(1.0 / std::sqrt(var[j] + epsilon));
      mean_hi[j] = static_cast<float>(mean[j]);
      mean_lo[j] = static_cast<float>(mean[j] - mean_hi[j]);
      aux_mean[f] = mean_hi[j];
      aux_mean_lo[f] = mean_lo[j];
      aux_inv_std[f] = inv_std;
      scale[j] = gamma[f] * inv_std;
      shift[j] = beta[f];
    }
    float lane_hi[kLanes], lane_lo[kLanes], lane_scale[kLanes],
        lane_shift[kLanes];
    Spread(g, mean_hi, lane_hi);
    Spread(g, mean_lo, lane_lo);
    Spread(g, scale, lane_scale);
    Spread(g, shift, lane_shift);
    Map(l, g, x, x, y, [&](int k, float v, float) {
      return Centered(v, lane_hi[k], lane_lo[k]) * lane_scale[k] +
             lane_shift[k];
    });
  });
}

void BatchNormVjpKernel(ThreadPool* pool, const BatchNormDims& dims,
                        const float* x, const float* gamma, const float* dy,
                        const float* aux_mean, const float* aux_mean_lo,
                        const float* aux_inv_std, bool training,
                        BatchNormGrad wrt, float* out) {
  const Layout l(dims);
  const double m = static_cast<double>(l.count());
  ForEachGroup(pool, l, [&](const Group& g) {
    float mean_hi[kLanes] = {};
    float mean_lo[kLanes] = {};
    float inv_std[kLanes] = {};
    float scale[kLanes] = {};
    for (int j = 0; j < g.features; ++j) {
      const int64_t f = g.first + j;
      mean_hi[j] = aux_mean[f];
      mean_lo[j] = aux_mean_lo[f];
      inv_std[j] = aux_inv_std[f];
      scale[j] = gamma[f] * inv_std[j];
    }
    float lane_hi[kLanes], lane_lo[kLanes];
    Spread(g, mean_hi, lane_hi);
    Spread(g, mean_lo, lane_lo);
    if (wrt == BatchNormGrad::kX && !training) {
      float lane_scale[kLanes];
      Spread(g, scale, lane_scale);
      Map(l, g, dy, dy, out,
          [&](int k, float d, float) { return d * lane_scale[k]; });
      return;
    }
    double dy_lanes[kLanes] = {};
    double dyx_lanes[kLanes] = {};
    double sum_dy[kLanes], sum_dyx[kLanes];
    if (wrt == BatchNormGrad::kBeta) {  // Needs sum(dy) only: x is not read.
      Accumulate(l, g, dy, dy, dy_lanes, dyx_lanes,
                 [](int, float d, float, double& s0, double&) { s0 += d; });
      Totals(g, dy_lanes, sum_dy);
      for (int j = 0; j < g.features; ++j) {
        out[g.first + j] = static_cast<float>(sum_dy[j]);
      }
      return;
    }
    Accumulate(l, g, dy, x, dy_lanes, dyx_lanes,
               [&](int k, float d, float v, double& s0, double& s1) {
                 s0 += d;
                 s1 += static_cast<double>(d) *
                       static_cast<double>(Centered(v, lane_hi[k], lane_lo[k]));
               });
    Totals(g, dy_lanes, sum_dy);
    Totals(g, dyx_lanes, sum_dyx);
    if (wrt == BatchNormGrad::kGamma) {
      for (int j = 0; j < g.features; ++j) {
        out[g.first + j] = static_cast<float>(inv_std[j] * sum_dyx[j]);
      }
      return;
    }
    float c_x[kLanes] = {};
    float c_0[kLanes] = {};
    for (int j = 0; j < g.features; ++j) {
      const double a = scale[j];
      const double is = inv_std[j];
      c_x[j] = static_cast<float>(-a * is * is * sum_dyx[j] / m);
      c_0[j] = static_cast<float>(-a * sum_dy[j] / m);
    }
    float lane_scale[kLanes], lane_cx[kLanes], lane_c0[kLanes];
    Spread(g, scale, lane_scale);
    Spread(g, c_x, lane_cx);
    Spread(g, c_0, lane_c0);
    Map(l, g, dy, x, out, [&](int k, float d, float v) {
      return lane_scale[k] * d +
             lane_cx[k] * Centered(v, lane_hi[k], lane_lo[k]) + lane_c0[k];
    });
  });
}

}  // namespace dagrad
