// ops/cpu/pool_geometry.h: the geometry the 2-D pooling kernels take (a
// pooling with its padding resolved) and the loop that runs them over the
// independent planes of a batch.
//
// Both pools read x [N, C, H, W] and write y [N, C, OH, OW]; output (i, j) of
// plane p = n*C + c pools the window of input rows
//   [i*stride_h - pad_top, i*stride_h - pad_top + window_h)
// and the matching columns, clipped to the image (padded cells are never
// read: max pooling treats them as -inf, average pooling as zeros). With
// padded height Hp = H + pad_top + pad_bottom,
//   OH = (Hp - window_h) / stride_h + 1   (likewise OW).
// Ops fill PoolGeometry from their attrs (PoolGeometryOf(),
// ops/pool_window.h) once the shape function accepted them; every window
// then holds at least one real cell.
//
// Example (in an op's kernel dispatch):
//   const PoolGeometry geo = PoolGeometryOf(x.shape(), attrs);
//   ForEachPlane(ctx.pool, geo, [&](int64_t p) { ... plane p ... });
#ifndef DAGRAD_OPS_CPU_POOL_GEOMETRY_H_
#define DAGRAD_OPS_CPU_POOL_GEOMETRY_H_

#include <algorithm>
#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// PoolSpan: the half-open index range [begin, end); empty if end <= begin.
struct PoolSpan {
  int64_t begin;
  int64_t end;
};

// PoolGeometry: a pooling with its padding resolved, over `planes` = N*C
// independent [in_h, in_w] -> [out_h, out_w] planes.
struct PoolGeometry {
  int64_t planes = 0;
  int64_t in_h = 0;
  int64_t in_w = 0;
  int64_t out_h = 0;
  int64_t out_w = 0;
  int64_t window_h = 0;
  int64_t window_w = 0;
  int64_t stride_h = 1;
  int64_t stride_w = 1;
  int64_t pad_top = 0;
  int64_t pad_bottom = 0;
  int64_t pad_left = 0;
  int64_t pad_right = 0;

  int64_t in_pixels() const { return in_h * in_w; }
  int64_t out_pixels() const { return out_h * out_w; }
  int64_t window_area() const { return window_h * window_w; }

  // WindowRows() / WindowCols() are the input rows / columns that output row
  // i / column j pools, clipped to the image (never empty).
  PoolSpan WindowRows(int64_t i) const {
    return ClippedWindow(i, stride_h, pad_top, window_h, in_h);
  }
  PoolSpan WindowCols(int64_t j) const {
    return ClippedWindow(j, stride_w, pad_left, window_w, in_w);
  }

  // IsDense2x2() is true for a 2x2 window with stride 2 whose windows all
  // lie inside the image (no padding is read): VALID, or SAME on even sizes.
  // Then output (i, j) pools rows 2i, 2i+1 and columns 2j, 2j+1; an odd last
  // input row / column belongs to no window.
  bool IsDense2x2() const {
    return window_h == 2 && window_w == 2 && stride_h == 2 && stride_w == 2 &&
           pad_top == 0 && pad_left == 0 && 2 * out_h <= in_h &&
           2 * out_w <= in_w;
  }

 private:
  static PoolSpan ClippedWindow(int64_t i, int64_t stride, int64_t pad,
                                int64_t window, int64_t size) {
    const int64_t start = i * stride - pad;
    return {std::max<int64_t>(start, 0), std::min(start + window, size)};
  }
};

// kPoolMinBlockFloats: a parallel block covers at least this many input
// floats (whole planes); below it one thread is faster than waking another.
inline constexpr int64_t kPoolMinBlockFloats = 16384;

// ForEachPlane() calls fn(p) for every plane p in [0, geo.planes), the planes
// split into contiguous blocks over the pool. fn must compute plane p the
// same way whatever block it falls in (each plane is independent), which
// keeps results bitwise equal at any thread count.
template <typename Fn>
void ForEachPlane(ThreadPool* pool, const PoolGeometry& geo, const Fn& fn) {
  if (geo.planes <= 0) return;
  const int64_t min_block = std::max<int64_t>(
      1, kPoolMinBlockFloats / std::max<int64_t>(geo.in_pixels(), 1));
  pool->ParallelFor(
      geo.planes,
      [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) fn(p);
      },
      min_block);
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_POOL_GEOMETRY_H_
