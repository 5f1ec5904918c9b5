// ops/pool_util.h: what MaxPool2D and AvgPool2D share: the padding enum, the
// attribute validation and shape inference, the resolved geometry, the
// plane-parallel loop and the AVX-512 lane helpers of their 2x2 / stride-2
// fast paths.
//
// Both pools read x [N, C, H, W] and write y [N, C, OH, OW]; output (i, j) of
// plane p = n*C + c pools the window of input rows
//   [i*stride_h - pad_top, i*stride_h - pad_top + window_h)
// and the matching columns, clipped to the image (padded cells are never
// read: max pooling treats them as -inf, average pooling as zeros). With
// padded height Hp = H + pad_top + pad_bottom,
//   OH = (Hp - window_h) / stride_h + 1   (likewise OW).
// The padding per PoolPadding:
//   kValid:    none.
//   kSame:     TensorFlow's SAME: OH = ceil(H / stride_h); the total
//              max((OH-1)*stride_h + window_h - H, 0) is split
//              top = total/2, bottom = total - top (likewise for columns).
//   kExplicit: pad_top / pad_bottom / pad_left / pad_right.
//
// PoolShape() accepts a window only if every window holds at least one real
// cell; it rejects (InvalidArgument naming the op and the input shape): x
// not rank 4 or with C, H, W < 1, window < 1, stride < 1, negative explicit
// pads, a window larger than the padded input, a pad >= the window on its
// side (a window entirely in padding), and any window, stride, pad or image
// size above kPool2DMaxAttr. The batch may be unknown (-1); the output's is
// then unknown too. (SAME never produces such pads: its total is at most
// window - 1.)
//
// Example (in an op's shape function):
//   const auto& a = AttrsAs<MaxPool2DAttrs>(attrs);
//   return PoolShape(OpKind::kMaxPool2D, inputs, a);
// and in its kernels:
//   const PoolGeometry geo = PoolGeometryOf(x.shape(), a);
//   ForEachPlane(ctx.pool, geo, [&](int64_t p) { ... plane p ... });
#ifndef DAGRAD_OPS_POOL_UTIL_H_
#define DAGRAD_OPS_POOL_UTIL_H_

#include <algorithm>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "core/thread_pool.h"
#include "ops/op.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace dagrad {

// PoolPadding: how a pooling op pads its input (see the file comment).
enum class PoolPadding { kValid, kSame, kExplicit };

// kPool2DMaxAttr bounds windows, strides, explicit pads and H, W, so that no
// index arithmetic can overflow (the same bound as kConv2DMaxAttr).
inline constexpr int64_t kPool2DMaxAttr = int64_t{1} << 30;

// PoolWindow: the attributes of MaxPool2DAttrs and AvgPool2DAttrs, which
// derive from it.
struct PoolWindow {
  int64_t window_h = 2;
  int64_t window_w = 2;
  int64_t stride_h = 2;
  int64_t stride_w = 2;
  PoolPadding padding = PoolPadding::kValid;
  // Used with PoolPadding::kExplicit only.
  int64_t pad_top = 0;
  int64_t pad_bottom = 0;
  int64_t pad_left = 0;
  int64_t pad_right = 0;
};


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

// PoolShape() is both pools' shape function (see the file comment); `kind`
// names the op in error messages.
absl::StatusOr<Shape> PoolShape(OpKind kind, absl::Span<const Shape> inputs,
                                const PoolWindow& window);

// PoolGeometryOf() resolves the padding of an input shape x [N, C, H, W]
// that PoolShape() accepted, with a known batch N.
PoolGeometry PoolGeometryOf(const Shape& x, const PoolWindow& window);

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

// ZeroUncovered2x2() zeroes the cells of one [in_h, in_w] plane that no
// window of an IsDense2x2() geometry covers: the rows >= 2*out_h and the
// columns >= 2*out_w. The 2x2 VJP fast paths write every covered cell and
// call this for the rest.
void ZeroUncovered2x2(const PoolGeometry& geo, float* plane);

// kPool2x2Vectorized is true when this build has the AVX-512 helpers below;
// the ops then run their IsDense2x2() fast paths, otherwise their general
// loops (which handle every geometry).
#if defined(__AVX512F__)
inline constexpr bool kPool2x2Vectorized = true;

// kPoolLanes is how many outputs (and 2*kPoolLanes input columns) one
// vector step of a 2x2 fast path covers.
inline constexpr int64_t kPoolLanes = 16;

// PoolLaneMask() selects the first min(count, kPoolLanes) lanes.
inline __mmask16 PoolLaneMask(int64_t count) {
  return count >= kPoolLanes
             ? static_cast<__mmask16>(0xFFFF)
             : static_cast<__mmask16>((uint32_t{1} << count) - 1);
}

// PoolPairMask() selects the first 2*min(count, kPoolLanes) of 32 floats:
// bits 0..15 for row[0..16), bits 16..31 for row[16..32).
inline uint32_t PoolPairMask(int64_t count) {
  return count >= kPoolLanes
             ? 0xFFFFFFFFu
             : static_cast<uint32_t>((uint64_t{1} << (2 * count)) - 1);
}

// Loads. `readable` is how many floats from the load address the caller
// guarantees addressable (e.g. up to the end of the plane). A load with
// enough of them reads every lane (the lanes past count hold whatever
// follows: the next row); otherwise it reads only the lanes below count
// (the rest are 0). Unmasked loads are markedly faster on some CPUs (AMD
// Zen 4). Either way the lanes below count are the same.

// LoadLanes() reads p[0 .. min(count, 16)) into the low lanes.
inline __m512 LoadLanes(const float* p, int64_t count, int64_t readable) {
  return readable >= kPoolLanes ? _mm512_loadu_ps(p)
                                : _mm512_maskz_loadu_ps(PoolLaneMask(count), p);
}

// LoadRow32() reads row[0 .. 2*count) (count <= 16) as lo = row[0..16),
// hi = row[16..32).
inline void LoadRow32(const float* row, int64_t count, int64_t readable,
                      __m512* lo, __m512* hi) {
  if (readable >= 2 * kPoolLanes) {
    *lo = _mm512_loadu_ps(row);
    *hi = _mm512_loadu_ps(row + 16);
  } else {
    const uint32_t bits = PoolPairMask(count);
    *lo = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits & 0xFFFF), row);
    *hi = _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits >> 16), row + 16);
  }
}

// SplitPairs() deinterleaves 32 floats (lo, hi) = r[0..32) into
// even[l] = r[2l], odd[l] = r[2l + 1].
inline void SplitPairs(__m512 lo, __m512 hi, __m512* even, __m512* odd) {
  const __m512i even_idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                             20, 22, 24, 26, 28, 30);
  const __m512i odd_idx = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19,
                                            21, 23, 25, 27, 29, 31);
  *even = _mm512_permutex2var_ps(lo, even_idx, hi);
  *odd = _mm512_permutex2var_ps(lo, odd_idx, hi);
}

// LoadPairs() reads the 2*count floats row[0 .. 2*count) (count <= 16) as
// even[l] = row[2l], odd[l] = row[2l + 1].
inline void LoadPairs(const float* row, int64_t count, int64_t readable,
                      __m512* even, __m512* odd) {
  __m512 lo, hi;
  LoadRow32(row, count, readable, &lo, &hi);
  SplitPairs(lo, hi, even, odd);
}

// StoreRow32() writes lo to row[0..16) and hi to row[16..32), only where
// PoolPairMask(count) is set.
inline void StoreRow32(float* row, int64_t count, __m512 lo, __m512 hi) {
  const uint32_t bits = PoolPairMask(count);
  _mm512_mask_storeu_ps(row, static_cast<__mmask16>(bits & 0xFFFF), lo);
  _mm512_mask_storeu_ps(row + 16, static_cast<__mmask16>(bits >> 16), hi);
}

// StorePairs() is LoadPairs() reversed: writes row[2l] = even[l],
// row[2l + 1] = odd[l] for l < count (count <= 16), nothing else.
inline void StorePairs(float* row, int64_t count, __m512 even, __m512 odd) {
  const __m512i lo_idx =
      _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi_idx = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28,
                                           13, 29, 14, 30, 15, 31);
  StoreRow32(row, count, _mm512_permutex2var_ps(even, lo_idx, odd),
             _mm512_permutex2var_ps(even, hi_idx, odd));
}
#else
inline constexpr bool kPool2x2Vectorized = false;
#endif  // __AVX512F__

}  // namespace dagrad

#endif  // DAGRAD_OPS_POOL_UTIL_H_
