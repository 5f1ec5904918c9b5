// ops/simd_util.h: small AVX-512 helpers shared by the kernel files. Only
// defined when the build targets AVX-512 (#if defined(__AVX512F__)); the
// including file keeps its own portable fallback.
#ifndef DAGRAD_OPS_SIMD_UTIL_H_
#define DAGRAD_OPS_SIMD_UTIL_H_

#if defined(__AVX512F__)
#include <immintrin.h>

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

}  // namespace dagrad

#endif  // __AVX512F__
#endif  // DAGRAD_OPS_SIMD_UTIL_H_
