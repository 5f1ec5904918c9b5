#include "ops/cpu/philox_simd.h"

#include "core/random.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace dagrad {
namespace {

#if defined(__AVX512F__)
// AVX-512: 16 blocks per vector. _mm512_mul_epu32 multiplies the even 32-bit
// lanes into 64-bit products; the odd lanes are shifted down and multiplied
// the same way, and the high and low halves are blended back into lanes.
inline void MulHiLo16(__m512i a, __m512i m, __m512i* hi, __m512i* lo) {
  const __m512i even = _mm512_mul_epu32(a, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  constexpr __mmask16 kOddLanes = 0xAAAA;
  *hi = _mm512_mask_blend_epi32(kOddLanes, _mm512_srli_epi64(even, 32), odd);
  *lo = _mm512_mask_blend_epi32(kOddLanes, even, _mm512_slli_epi64(odd, 32));
}

void PhiloxRounds(uint32_t k0, uint32_t k1, uint32_t* c0, uint32_t* c1,
                  uint32_t* c2, uint32_t* c3) {
  static_assert(kPhiloxBatch % 16 == 0);
  constexpr int kVectors = kPhiloxBatch / 16;
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kPhiloxM1));
  __m512i v0[kVectors], v1[kVectors], v2[kVectors], v3[kVectors];
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    v0[v] = _mm512_loadu_si512(c0 + 16 * v);
    v1[v] = _mm512_loadu_si512(c1 + 16 * v);
    v2[v] = _mm512_loadu_si512(c2 + 16 * v);
    v3[v] = _mm512_loadu_si512(c3 + 16 * v);
  }
  for (int round = 0; round < 10; ++round) {
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0));
    const __m512i key1 = _mm512_set1_epi32(static_cast<int>(k1));
#pragma GCC unroll 4  // Keeps v0..v3 in registers.
    for (int v = 0; v < kVectors; ++v) {
      __m512i hi0, lo0, hi1, lo1;
      MulHiLo16(v0[v], m0, &hi0, &lo0);
      MulHiLo16(v2[v], m1, &hi1, &lo1);
      // 0x96: a ^ b ^ c.
      v0[v] = _mm512_ternarylogic_epi32(hi1, v1[v], key0, 0x96);
      v2[v] = _mm512_ternarylogic_epi32(hi0, v3[v], key1, 0x96);
      v1[v] = lo1;
      v3[v] = lo0;
    }
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    _mm512_storeu_si512(c0 + 16 * v, v0[v]);
    _mm512_storeu_si512(c1 + 16 * v, v1[v]);
    _mm512_storeu_si512(c2 + 16 * v, v2[v]);
    _mm512_storeu_si512(c3 + 16 * v, v3[v]);
  }
}
#else
// Portable: core's PhiloxRound() on each counter, round by round (the loop
// over counters vectorizes).
void PhiloxRounds(uint32_t k0, uint32_t k1, uint32_t* __restrict c0,
                  uint32_t* __restrict c1, uint32_t* __restrict c2,
                  uint32_t* __restrict c3) {
  for (int round = 0; round < 10; ++round) {
    for (int j = 0; j < kPhiloxBatch; ++j) {
      PhiloxRound(k0, k1, c0 + j, c1 + j, c2 + j, c3 + j);
    }
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
}
#endif  // __AVX512F__

}  // namespace

void PhiloxBatch(std::array<uint32_t, 2> key, uint32_t* c0, uint32_t* c1,
                 uint32_t* c2, uint32_t* c3) {
  PhiloxRounds(key[0], key[1], c0, c1, c2, c3);
}

}  // namespace dagrad
