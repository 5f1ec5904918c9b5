#include "ops/cpu/pool2x2.h"

#include <algorithm>
#include <cstdint>

#include "ops/cpu/pool_planes.h"
#include "ops/cpu/simd.h"

namespace dagrad {

#if defined(DAGRAD_HAVE_VECF)
namespace {

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

}  // namespace
#endif  // DAGRAD_HAVE_VECF

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

#elif defined(DAGRAD_HAVE_VECF)  // AVX2: 8 outputs per vector step.

namespace {

inline constexpr int64_t kPoolLanes = 8;

// LaneMask() selects the lanes below min(count, 8).
inline VecMask LaneMask(int64_t count) { return VecRunMask(0, 8, count); }

// LoadRow16() reads row[0 .. 2*count) (count <= 8) as lo = row[0..8), hi =
// row[8..16); with fewer than 16 floats `readable` from row it reads only
// those lanes (the rest are 0). As LoadRow32() of the AVX-512 path.
inline void LoadRow16(const float* row, int64_t count, int64_t readable,
                      __m256* lo, __m256* hi) {
  if (readable >= 2 * kPoolLanes) {
    *lo = _mm256_loadu_ps(row);
    *hi = _mm256_loadu_ps(row + 8);
  } else {
    *lo = VecMaskedLoad(VecRunMask(0, 8, 2 * count), row);
    *hi = VecMaskedLoad(VecRunMask(8, 8, 2 * count), row + 8);
  }
}

// StoreRow16() writes lo to row[0..8) and hi to row[8..16), only below
// 2*count.
inline void StoreRow16(float* row, int64_t count, __m256 lo, __m256 hi) {
  VecStoreLanes(row, 2 * count, lo);
  VecStoreLanes(row + 8, 2 * count - 8, hi);
}

// SplitPairs() deinterleaves 16 floats (lo, hi) = r[0..16) into
// even[l] = r[2l], odd[l] = r[2l + 1].
inline void SplitPairs(__m256 lo, __m256 hi, __m256* even, __m256* odd) {
  // Within each 128-bit lane: [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6]; then the
  // 64-bit quarters in order 0, 2, 1, 3.
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(
      _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(
      _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
}

// StorePairs() writes row[2l] = even[l], row[2l + 1] = odd[l] for
// l < count (count <= 8), nothing else.
inline void StorePairs(float* row, int64_t count, __m256 even, __m256 odd) {
  const __m256 a = _mm256_unpacklo_ps(even, odd);  // e0 o0 e1 o1 | e4 o4 ..
  const __m256 b = _mm256_unpackhi_ps(even, odd);  // e2 o2 e3 o3 | e6 o6 ..
  StoreRow16(row, count, _mm256_permute2f128_ps(a, b, 0x20),
             _mm256_permute2f128_ps(a, b, 0x31));
}

// RunStart() is where the vector step starting at j of an output row
// out_w long starts: rows of at least 8 outputs end on a step shifted back
// to out_w - 8, which recomputes (to the same values) a few outputs of the
// step before instead of storing a partial run: AVX2's masked store
// (vmaskmovps) is microcoded and several times slower on AMD cores.
// RunCount() is the outputs of that step.
inline int64_t RunStart(int64_t j, int64_t out_w) {
  return out_w >= kPoolLanes ? std::min(j, out_w - kPoolLanes) : j;
}
inline int64_t RunCount(int64_t j, int64_t out_w) {
  return std::min(kPoolLanes, out_w - j);
}

// Beats(): all-ones in the lanes where v Beats() best: best is not NaN, and
// v is larger or NaN.
inline __m256 Beats(__m256 v, __m256 best) {
  return _mm256_and_ps(_mm256_cmp_ps(best, best, _CMP_ORD_Q),
                       _mm256_cmp_ps(v, best, _CMP_NLE_UQ));
}

// CellIndex(): the plane index of the top-left cell of outputs (i, j + l),
// l < 8: 2i*W + 2(j + l).
inline __m256i CellIndex(const PoolGeometry& geo, int64_t i, int64_t j) {
  return _mm256_add_epi32(
      _mm256_set1_epi32(static_cast<int32_t>(2 * i * geo.in_w + 2 * j)),
      _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
}

// Select(): b where mask, else a (32-bit lanes).
inline __m256i Select(__m256 mask, __m256i a, __m256i b) {
  return _mm256_castps_si256(
      _mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), mask));
}

}  // namespace

// The AVX2 paths compute exactly what the AVX-512 ones do (their comments
// above), 8 outputs per step.
void MaxPool2x2Plane(const PoolGeometry& geo, const float* x, float* y,
                     int32_t* arg) {
  const int64_t w = geo.in_w;
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i down = _mm256_set1_epi32(static_cast<int32_t>(w));
  const float* end = x + geo.in_pixels();
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const float* r0 = x + 2 * i * w;
    const float* r1 = r0 + w;
    for (int64_t j0 = 0; j0 < geo.out_w; j0 += kPoolLanes) {
      const int64_t j = RunStart(j0, geo.out_w);
      const int64_t count = RunCount(j, geo.out_w);
      __m256 lo, hi, a, b, c, d;
      LoadRow16(r0 + 2 * j, count, end - (r0 + 2 * j), &lo, &hi);
      SplitPairs(lo, hi, &a, &b);
      LoadRow16(r1 + 2 * j, count, end - (r1 + 2 * j), &lo, &hi);
      SplitPairs(lo, hi, &c, &d);
      const __m256i ia = CellIndex(geo, i, j);
      const __m256i ic = _mm256_add_epi32(ia, down);
      const __m256 take_b = Beats(b, a);
      const __m256 top = _mm256_blendv_ps(a, b, take_b);
      const __m256i top_at = Select(take_b, ia, _mm256_add_epi32(ia, one));
      const __m256 take_d = Beats(d, c);
      const __m256 bottom = _mm256_blendv_ps(c, d, take_d);
      const __m256i bottom_at = Select(take_d, ic, _mm256_add_epi32(ic, one));
      const __m256 take_bottom = Beats(bottom, top);
      const __m256i at = Select(take_bottom, top_at, bottom_at);
      VecStoreLanes(y + i * geo.out_w + j, count,
                    _mm256_blendv_ps(top, bottom, take_bottom));
      if (count >= kPoolLanes) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(arg + i * geo.out_w + j),
                            at);
      } else {
        _mm256_maskstore_epi32(arg + i * geo.out_w + j, LaneMask(count), at);
      }
    }
  }
}

void MaxPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy,
                        const int32_t* arg, float* dx) {
  const int64_t w = geo.in_w;
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i down = _mm256_set1_epi32(static_cast<int32_t>(w));
  const __m256i down_one = _mm256_set1_epi32(static_cast<int32_t>(w + 1));
  for (int64_t i = 0; i < geo.out_h; ++i) {
    float* r0 = dx + 2 * i * w;
    float* r1 = r0 + w;
    for (int64_t j0 = 0; j0 < geo.out_w; j0 += kPoolLanes) {
      const int64_t j = RunStart(j0, geo.out_w);
      const int64_t count = RunCount(j, geo.out_w);
      const int64_t o = i * geo.out_w + j;
      const VecMask valid = LaneMask(count);
      const __m256 g = VecMaskedLoad(valid, dy + o);
      const __m256i won = _mm256_maskload_epi32(arg + o, valid);
      // rel: the argmax relative to the window's top-left cell, one of
      // 0, 1, W, W+1 (lanes past count: 0 - index, never stored).
      const __m256i rel = _mm256_sub_epi32(won, CellIndex(geo, i, j));
      auto routed = [&](__m256i offset) {
        return _mm256_and_ps(
            _mm256_castsi256_ps(_mm256_cmpeq_epi32(rel, offset)), g);
      };
      StorePairs(r0 + 2 * j, count, routed(_mm256_setzero_si256()),
                 routed(one));
      StorePairs(r1 + 2 * j, count, routed(down), routed(down_one));
    }
  }
  ZeroUncovered2x2(geo, dx);
}

void AvgPool2x2Plane(const PoolGeometry& geo, const float* x, float* y) {
  const __m256 quarter = _mm256_set1_ps(0.25f);
  const float* end = x + geo.in_pixels();
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const float* r0 = x + 2 * i * geo.in_w;
    const float* r1 = r0 + geo.in_w;
    for (int64_t j0 = 0; j0 < geo.out_w; j0 += kPoolLanes) {
      const int64_t j = RunStart(j0, geo.out_w);
      const int64_t count = RunCount(j, geo.out_w);
      __m256 top_lo, top_hi, bottom_lo, bottom_hi, even, odd;
      LoadRow16(r0 + 2 * j, count, end - (r0 + 2 * j), &top_lo, &top_hi);
      LoadRow16(r1 + 2 * j, count, end - (r1 + 2 * j), &bottom_lo, &bottom_hi);
      SplitPairs(_mm256_add_ps(top_lo, bottom_lo),
                 _mm256_add_ps(top_hi, bottom_hi), &even, &odd);
      VecStoreLanes(y + i * geo.out_w + j, count,
                    _mm256_mul_ps(_mm256_add_ps(even, odd), quarter));
    }
  }
}

void AvgPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy, float* dx) {
  const __m256 quarter = _mm256_set1_ps(0.25f);
  for (int64_t i = 0; i < geo.out_h; ++i) {
    float* r0 = dx + 2 * i * geo.in_w;
    float* r1 = r0 + geo.in_w;
    for (int64_t j0 = 0; j0 < geo.out_w; j0 += kPoolLanes) {
      const int64_t j = RunStart(j0, geo.out_w);
      const int64_t count = RunCount(j, geo.out_w);
      const int64_t o = i * geo.out_w + j;
      const __m256 g =
          _mm256_mul_ps(VecMaskedLoad(LaneMask(count), dy + o), quarter);
      StorePairs(r0 + 2 * j, count, g, g);
      StorePairs(r1 + 2 * j, count, g, g);
    }
  }
  ZeroUncovered2x2(geo, dx);
}

#else  // !DAGRAD_HAVE_VECF: the general loops.

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

#endif  // __AVX512F__, DAGRAD_HAVE_VECF

}  // namespace dagrad
