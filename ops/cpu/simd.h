// ops/cpu/simd.h: the small AVX-512 helpers shared by the kernel files in
// ops/cpu. Only defined when the build targets AVX-512
// (#if defined(__AVX512F__)); the including file keeps its own portable
// fallback.
//
// Include this from ops/cpu/*.cc files only: it pulls in <immintrin.h>, which
// no header an op includes may do (tests/ops/header_hygiene_test.cc).
//
// Example:
//   #if defined(__AVX512F__)
//   const __mmask16 m = LowMask(n - j);
//   _mm512_mask_storeu_ps(dst + j, m, _mm512_maskz_loadu_ps(m, src + j));
//   #endif
#ifndef DAGRAD_OPS_CPU_SIMD_H_
#define DAGRAD_OPS_CPU_SIMD_H_

#if defined(__AVX512F__)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace dagrad {

// KeepInRegister() makes the compiler materialize v in a register. Without
// it GCC folds a vector load into every FMA that uses it, re-loading the
// same (unaligned, cache-line-splitting) data once per use.
inline void KeepInRegister(__m512& v) { __asm__("" : "+v"(v)); }

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

}  // namespace dagrad

#endif  // __AVX512F__
#endif  // DAGRAD_OPS_CPU_SIMD_H_
