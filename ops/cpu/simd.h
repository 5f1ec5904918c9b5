// ops/cpu/simd.h: the small SIMD helpers shared by the kernel files in
// ops/cpu: the AVX-512 mask helpers (#if defined(__AVX512F__)), and VecF,
// the widest float vector this build targets (AVX-512 or AVX2 + FMA;
// #if defined(DAGRAD_HAVE_VECF)), for kernels written once for both. The
// including file keeps its own portable fallback.
//
// Include this from ops/cpu/*.cc files only: it pulls in <immintrin.h>, which
// no header an op includes may do (tests/ops/header_hygiene_test.cc).
//
// Example:
//   #if defined(__AVX512F__)
//   const __mmask16 m = LowMask(n - j);
//   _mm512_mask_storeu_ps(dst + j, m, _mm512_maskz_loadu_ps(m, src + j));
//   #endif
//   #if defined(DAGRAD_HAVE_VECF)
//   for (; j + kVecLanes <= n; j += kVecLanes) {
//     VecStore(dst + j, VecFma(VecSet1(a), VecLoad(x + j), VecLoad(dst + j)));
//   }
//   #endif
#ifndef DAGRAD_OPS_CPU_SIMD_H_
#define DAGRAD_OPS_CPU_SIMD_H_

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define DAGRAD_HAVE_VECF 1
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace dagrad {

// VecF: kVecLanes floats. Each helper is one instruction (VecSet1 a
// broadcast, VecFma a fused multiply-add, rounded once).
#if defined(__AVX512F__)
using VecF = __m512;
inline constexpr int kVecLanes = 16;
inline VecF VecZero() { return _mm512_setzero_ps(); }
inline VecF VecSet1(float v) { return _mm512_set1_ps(v); }
inline VecF VecLoad(const float* p) { return _mm512_loadu_ps(p); }
inline void VecStore(float* p, VecF v) { _mm512_storeu_ps(p, v); }
inline VecF VecAdd(VecF a, VecF b) { return _mm512_add_ps(a, b); }
inline VecF VecFma(VecF a, VecF b, VecF c) { return _mm512_fmadd_ps(a, b, c); }
#else
using VecF = __m256;
inline constexpr int kVecLanes = 8;
inline VecF VecZero() { return _mm256_setzero_ps(); }
inline VecF VecSet1(float v) { return _mm256_set1_ps(v); }
inline VecF VecLoad(const float* p) { return _mm256_loadu_ps(p); }
inline void VecStore(float* p, VecF v) { _mm256_storeu_ps(p, v); }
inline VecF VecAdd(VecF a, VecF b) { return _mm256_add_ps(a, b); }
inline VecF VecFma(VecF a, VecF b, VecF c) { return _mm256_fmadd_ps(a, b, c); }
#endif

// kVecRegisters: the vector registers a kernel's tiles may fill.
inline constexpr int kVecRegisters = kVecLanes == 16 ? 32 : 16;

// VecHorizontalSum() adds the lanes in a fixed (pairwise) order: lane i and
// i + half, halving until one is left. (GCC 12's _mm512_reduce_add_ps trips
// -Wuninitialized in its own header.)
inline float VecHorizontalSum(VecF v) {
  alignas(64) float t[kVecLanes];
  VecStore(t, v);
  for (int width = kVecLanes / 2; width >= 1; width /= 2) {
    for (int i = 0; i < width; ++i) t[i] += t[i + width];
  }
  return t[0];
}

// KeepInRegister() makes the compiler materialize v in a register. Without
// it GCC folds a vector load into every FMA that uses it, re-loading the
// same (unaligned, cache-line-splitting) data once per use.
#if defined(__AVX512F__)
inline void KeepInRegister(__m512& v) { __asm__("" : "+v"(v)); }
#else
inline void KeepInRegister(__m256& v) { __asm__("" : "+x"(v)); }
#endif

#if defined(__AVX512F__)

// LowMask() is the mask of lanes [0, n), n in [0, 16].
inline __mmask16 LowMask(int64_t n) {
  return static_cast<__mmask16>((1u << n) - 1);
}

// RunMask() is the mask of the lanes l < lanes with 0 <= jb + l < width:
// for a 16-lane run whose lane l reads column jb + l of a row `width` long.
inline __mmask16 RunMask(int64_t jb, int64_t lanes, int64_t width) {
  const int64_t lo = std::min<int64_t>(std::max<int64_t>(0, -jb), 16);
  const int64_t hi =
      std::max<int64_t>(lo, std::min<int64_t>(lanes, width - jb));
  return static_cast<__mmask16>(LowMask(hi) & ~LowMask(lo));
}

#endif  // __AVX512F__

// VecMask: a set of VecF lanes, for loads that must not touch the lanes
// outside it (masked-off lanes are not read, so their addresses may be
// invalid) and stores that leave them unchanged.
// VecRunMask(jb, lanes, width) is the lanes l < lanes with
// 0 <= jb + l < width, as RunMask() for kVecLanes lanes.
#if defined(__AVX512F__)
using VecMask = __mmask16;
inline VecMask VecRunMask(int64_t jb, int64_t lanes, int64_t width) {
  return RunMask(jb, lanes, width);
}
inline bool VecMaskEmpty(VecMask m) { return m == 0; }
inline VecF VecMaskedLoad(VecMask m, const float* p) {
  return _mm512_maskz_loadu_ps(m, p);
}
inline void VecMaskedStore(float* p, VecMask m, VecF v) {
  _mm512_mask_storeu_ps(p, m, v);
}
#else
using VecMask = __m256i;
inline VecMask VecRunMask(int64_t jb, int64_t lanes, int64_t width) {
  const int64_t lo = std::min<int64_t>(std::max<int64_t>(0, -jb), 8);
  const int64_t hi =
      std::max<int64_t>(lo, std::min<int64_t>(lanes, width - jb));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  // lo <= lane < hi, as all-ones 32-bit lanes.
  const __m256i ge_lo =
      _mm256_cmpgt_epi32(lane, _mm256_set1_epi32(static_cast<int>(lo) - 1));
  const __m256i lt_hi =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), lane);
  return _mm256_and_si256(ge_lo, lt_hi);
}
inline bool VecMaskEmpty(VecMask m) { return _mm256_testz_si256(m, m) != 0; }
inline VecF VecMaskedLoad(VecMask m, const float* p) {
  return _mm256_maskload_ps(p, m);
}
inline void VecMaskedStore(float* p, VecMask m, VecF v) {
  _mm256_maskstore_ps(p, m, v);
}
#endif

// VecStoreLanes() writes v's lanes [0, lanes) to p (lanes <= kVecLanes), with
// a plain store when that is all of them: AVX2's masked store (vmaskmovps)
// is microcoded and several times slower on AMD cores.
inline void VecStoreLanes(float* p, int64_t lanes, VecF v) {
  if (lanes >= kVecLanes) {
    VecStore(p, v);
  } else {
    VecMaskedStore(p, VecRunMask(0, kVecLanes, lanes), v);
  }
}

}  // namespace dagrad

#endif  // DAGRAD_HAVE_VECF
#endif  // DAGRAD_OPS_CPU_SIMD_H_
