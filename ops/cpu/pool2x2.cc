#include "ops/cpu/pool2x2.h"

#include <algorithm>
#include <cstdint>

#include "ops/cpu/pool_planes.h"
#include "ops/cpu/simd.h"

namespace dagrad {

#if defined(__AVX512F__)
namespace {

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

// ZeroUncovered2x2() zeroes the cells of one [in_h, in_w] plane that no
// window of an IsDense2x2() geometry covers: the rows >= 2*out_h and the
// columns >= 2*out_w. The 2x2 VJP fast paths write every covered cell and
// call this for the rest.
void ZeroUncovered2x2(const PoolGeometry& geo, float* plane) {
  const int64_t covered_w = 2 * geo.out_w;
  if (covered_w < geo.in_w) {
    for (int64_t h = 0; h < 2 * geo.out_h; ++h) {
      float* row = plane + h * geo.in_w;
      std::fill(row + covered_w, row + geo.in_w, 0.0f);
    }
  }
  std::fill(plane + 2 * geo.out_h * geo.in_w, plane + geo.in_pixels(), 0.0f);
}

// BeatsMask(): the lanes where v Beats() best: best is not NaN, and v is
// larger or NaN ("not less or equal, unordered true").
inline __mmask16 BeatsMask(__m512 v, __m512 best) {
  return _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(best, best, _CMP_ORD_Q), v,
                                 best, _CMP_NLE_UQ);
}

// CellIndex(): the plane index of the top-left cell of outputs (i, j + l),
// l < 16, of an IsDense2x2() geometry: 2i*W + 2(j + l).
inline __m512i CellIndex(const PoolGeometry& geo, int64_t i, int64_t j) {
  const __m512i lanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
                                          22, 24, 26, 28, 30);
  return _mm512_add_epi32(
      _mm512_set1_epi32(static_cast<int32_t>(2 * i * geo.in_w + 2 * j)), lanes);
}

}  // namespace

// MaxPool2x2Plane(): IsDense2x2(), 16 outputs per step. The window cells
// a = (2i, 2j), b = (2i, 2j+1), c = (2i+1, 2j), d = (2i+1, 2j+1) reduce as
// max(max(a, b), max(c, d)) with Beats(), each later operand winning only
// if it Beats() the earlier: the first maximum in row-major order, exactly
// as MaxPoolPlane().
void MaxPool2x2Plane(const PoolGeometry& geo, const float* x, float* y,
                     int32_t* arg) {
  const int64_t w = geo.in_w;
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i down = _mm512_set1_epi32(static_cast<int32_t>(w));
  const float* end = x + geo.in_pixels();
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const float* r0 = x + 2 * i * w;
    const float* r1 = r0 + w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      __m512 a, b, c, d;
      LoadPairs(r0 + 2 * j, count, end - (r0 + 2 * j), &a, &b);
      LoadPairs(r1 + 2 * j, count, end - (r1 + 2 * j), &c, &d);
      const __m512i ia = CellIndex(geo, i, j);
      const __m512i ic = _mm512_add_epi32(ia, down);
      const __mmask16 take_b = BeatsMask(b, a);
      const __m512 top = _mm512_mask_blend_ps(take_b, a, b);
      const __m512i top_at =
          _mm512_mask_blend_epi32(take_b, ia, _mm512_add_epi32(ia, one));
      const __mmask16 take_d = BeatsMask(d, c);
      const __m512 bottom = _mm512_mask_blend_ps(take_d, c, d);
      const __m512i bottom_at =
          _mm512_mask_blend_epi32(take_d, ic, _mm512_add_epi32(ic, one));
      const __mmask16 take_bottom = BeatsMask(bottom, top);
      const __mmask16 valid = PoolLaneMask(count);
      _mm512_mask_storeu_ps(y + i * geo.out_w + j, valid,
                            _mm512_mask_blend_ps(take_bottom, top, bottom));
      _mm512_mask_storeu_epi32(
          arg + i * geo.out_w + j, valid,
          _mm512_mask_blend_epi32(take_bottom, top_at, bottom_at));
    }
  }
}

// MaxPool2x2PlaneVjp(): IsDense2x2(). The windows do not overlap, so each
// covered cell gets dy of its window if it is the window's argmax, else 0; the
// uncovered cells get 0.
void MaxPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy,
                        const int32_t* arg, float* dx) {
  const int64_t w = geo.in_w;
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i down = _mm512_set1_epi32(static_cast<int32_t>(w));
  const __m512i down_one = _mm512_set1_epi32(static_cast<int32_t>(w + 1));
  for (int64_t i = 0; i < geo.out_h; ++i) {
    float* r0 = dx + 2 * i * w;
    float* r1 = r0 + w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      const int64_t o = i * geo.out_w + j;
      const bool full = geo.out_pixels() - o >= kPoolLanes;
      const __mmask16 valid = PoolLaneMask(count);
      const __m512 g = LoadLanes(dy + o, count, geo.out_pixels() - o);
      const __m512i won = full ? _mm512_loadu_si512(arg + o)
                               : _mm512_maskz_loadu_epi32(valid, arg + o);
      // rel: the argmax relative to the window's top-left cell, one of
      // 0, 1, W, W+1 (lanes past count: garbage, never stored).
      const __m512i rel = _mm512_sub_epi32(won, CellIndex(geo, i, j));
      auto routed = [&](__m512i offset) {
        return _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(rel, offset), g);
      };
      StorePairs(r0 + 2 * j, count, routed(_mm512_setzero_si512()),
                 routed(one));
      StorePairs(r1 + 2 * j, count, routed(down), routed(down_one));
    }
  }
  ZeroUncovered2x2(geo, dx);
}
// AvgPool2x2Plane(): IsDense2x2(), 16 outputs per step. The two rows are
// added first (one add per column pair, before splitting the columns into
// even and odd), so the window of cells a, b (row 2i) and c, d (row 2i+1)
// sums as y = ((a + c) + (b + d)) * 0.25.
void AvgPool2x2Plane(const PoolGeometry& geo, const float* x, float* y) {
  const __m512 quarter = _mm512_set1_ps(0.25f);
  const float* end = x + geo.in_pixels();
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const float* r0 = x + 2 * i * geo.in_w;
    const float* r1 = r0 + geo.in_w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      __m512 top_lo, top_hi, bottom_lo, bottom_hi, even, odd;
      LoadRow32(r0 + 2 * j, count, end - (r0 + 2 * j), &top_lo, &top_hi);
      LoadRow32(r1 + 2 * j, count, end - (r1 + 2 * j), &bottom_lo, &bottom_hi);
      SplitPairs(_mm512_add_ps(top_lo, bottom_lo),
                 _mm512_add_ps(top_hi, bottom_hi), &even, &odd);
      _mm512_mask_storeu_ps(y + i * geo.out_w + j, PoolLaneMask(count),
                            _mm512_mul_ps(_mm512_add_ps(even, odd), quarter));
    }
  }
}

// AvgPool2x2PlaneVjp(): IsDense2x2(). The windows do not overlap: each covered
// cell gets dy * 0.25 of its window (each lane of g written twice per row),
// the uncovered cells 0.
void AvgPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy, float* dx) {
  const __m512 quarter = _mm512_set1_ps(0.25f);
  const __m512i dup_lo =
      _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i dup_hi = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
                                           13, 13, 14, 14, 15, 15);
  for (int64_t i = 0; i < geo.out_h; ++i) {
    float* r0 = dx + 2 * i * geo.in_w;
    float* r1 = r0 + geo.in_w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      const int64_t o = i * geo.out_w + j;
      const __m512 g = _mm512_mul_ps(
          LoadLanes(dy + o, count, geo.out_pixels() - o), quarter);
      const __m512 lo = _mm512_permutex2var_ps(g, dup_lo, g);
      const __m512 hi = _mm512_permutex2var_ps(g, dup_hi, g);
      StoreRow32(r0 + 2 * j, count, lo, hi);
      StoreRow32(r1 + 2 * j, count, lo, hi);
    }
  }
  ZeroUncovered2x2(geo, dx);
}

#else  // !__AVX512F__: the general loops.

void MaxPool2x2Plane(const PoolGeometry& geo, const float* x, float* y,
                     int32_t* arg) {
  MaxPoolPlane(geo, x, y, arg);
}

void MaxPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy,
                        const int32_t* arg, float* dx) {
  MaxPoolPlaneVjp(geo, dy, arg, dx);
}

void AvgPool2x2Plane(const PoolGeometry& geo, const float* x, float* y) {
  AvgPoolPlane(geo, x, y);
}

void AvgPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy, float* dx) {
  AvgPoolPlaneVjp(geo, dy, dx);
}

#endif  // __AVX512F__

}  // namespace dagrad
