#include "ops/cpu/pool_planes.h"

#include <algorithm>
#include <cstdint>

namespace dagrad {
namespace {

// Beats() is true when v replaces the running maximum `best`: v is larger,
// or v is NaN and best is not. Equal values keep the earlier cell.
inline bool Beats(float v, float best) {
  return v > best || (v != v && best == best);
}

// WindowArgmax() is the plane index of the first maximum (by Beats()) of
// the clipped window rows x cols.
int64_t WindowArgmax(const PoolGeometry& geo, const float* x, PoolSpan rows,
                     PoolSpan cols) {
  int64_t best_at = rows.begin * geo.in_w + cols.begin;
  for (int64_t h = rows.begin; h < rows.end; ++h) {
    for (int64_t w = cols.begin; w < cols.end; ++w) {
      if (Beats(x[h * geo.in_w + w], x[best_at])) best_at = h * geo.in_w + w;
    }
  }
  return best_at;
}

}  // namespace

// MaxPoolPlane(): any geometry. Each output scans its clipped window in
// row-major order with a plain `>` (which compiles to conditional moves,
// not branches) while noting any NaN; the rare window holding a NaN is
// rescanned by WindowArgmax(), so the result is Beats()'s in every case.
void MaxPoolPlane(const PoolGeometry& geo, const float* x, float* y,
                  int32_t* arg) {
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const PoolSpan rows = geo.WindowRows(i);
    for (int64_t j = 0; j < geo.out_w; ++j) {
      const PoolSpan cols = geo.WindowCols(j);
      int64_t best_at = rows.begin * geo.in_w + cols.begin;
      float best = x[best_at];
      bool nan = false;
      for (int64_t h = rows.begin; h < rows.end; ++h) {
        const float* row = x + h * geo.in_w;
        for (int64_t w = cols.begin; w < cols.end; ++w) {
          const float v = row[w];
          const bool take = v > best;
          best = take ? v : best;
          best_at = take ? h * geo.in_w + w : best_at;
          nan |= v != v;
        }
      }
      if (nan) {
        best_at = WindowArgmax(geo, x, rows, cols);
        best = x[best_at];
      }
      y[i * geo.out_w + j] = best;
      arg[i * geo.out_w + j] = static_cast<int32_t>(best_at);
    }
  }
}

// MaxPoolPlaneVjp(): any geometry. dx = 0, then dx[arg[o]] += dy[o] in
// output order o.
void MaxPoolPlaneVjp(const PoolGeometry& geo, const float* dy,
                     const int32_t* arg, float* dx) {
  std::fill(dx, dx + geo.in_pixels(), 0.0f);
  for (int64_t o = 0; o < geo.out_pixels(); ++o) dx[arg[o]] += dy[o];
}

// AvgPoolPlane(): any geometry. Sums each clipped window in row-major
// order (the padded cells add nothing), then scales by 1/area.
void AvgPoolPlane(const PoolGeometry& geo, const float* x, float* y) {
  const float inv_area = 1.0f / static_cast<float>(geo.window_area());
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const PoolSpan rows = geo.WindowRows(i);
    for (int64_t j = 0; j < geo.out_w; ++j) {
      const PoolSpan cols = geo.WindowCols(j);
      float sum = 0.0f;
      for (int64_t h = rows.begin; h < rows.end; ++h) {
        const float* row = x + h * geo.in_w;
        for (int64_t w = cols.begin; w < cols.end; ++w) sum += row[w];
      }
      y[i * geo.out_w + j] = sum * inv_area;
    }
  }
}

// AvgPoolPlaneVjp(): any geometry. dx = 0, then each window adds
// dy * (1/area) to its clipped cells, the windows in row-major (i, j) order.
void AvgPoolPlaneVjp(const PoolGeometry& geo, const float* dy, float* dx) {
  const float inv_area = 1.0f / static_cast<float>(geo.window_area());
  std::fill(dx, dx + geo.in_pixels(), 0.0f);
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const PoolSpan rows = geo.WindowRows(i);
    for (int64_t j = 0; j < geo.out_w; ++j) {
      const PoolSpan cols = geo.WindowCols(j);
      const float g = dy[i * geo.out_w + j] * inv_area;
      for (int64_t h = rows.begin; h < rows.end; ++h) {
        float* row = dx + h * geo.in_w;
        for (int64_t w = cols.begin; w < cols.end; ++w) row[w] += g;
      }
    }
  }
}

}  // namespace dagrad
