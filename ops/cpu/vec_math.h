// ops/cpu/vec_math.h: branch-free float math that GCC vectorizes (AVX2 /
// AVX-512) inside the 16-float loops of ParallelMap() and the row kernels.
//
//  - ExpNonPositive(): expf for x <= 0, accurate to ~2 ulp; Sigmoid, Tanh,
//    the softmax rows and the binary cross-entropy only ever need exp of a
//    non-positive argument (so nothing can overflow).
//  - ExpNonPositiveInPlace(): v[i] = exp(v[i]) over a range, 16 at a time.
//  - SigmoidOf() / TanhOf(): the activations, built on ExpNonPositive().
//
// Determinism: each function is a pure function of its argument, computed
// by the same arithmetic wherever it runs.
//
// Example:
//   // y = exp(-x^2), vectorized and split over ctx.pool.
//   ParallelMap(ctx.pool, n, x, y,
//               [](float v) { return ExpNonPositive(-v * v); });
#ifndef DAGRAD_OPS_CPU_VEC_MATH_H_
#define DAGRAD_OPS_CPU_VEC_MATH_H_

#include <cmath>
#include <cstdint>
#include <cstring>

namespace dagrad {
namespace vec_math_internal {

inline float BitsToFloat(int32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

}  // namespace vec_math_internal

// ExpNonPositive(x) is exp(x) for x <= 0 (including -inf), with relative
// error below 2.5e-7 while the result is a normal float, and correctly
// underflowing (through the subnormals) to 0 for x < -103.97. A NaN argument
// gives an unspecified finite value in [0, 1]; callers that must propagate NaN
// do so themselves. Positive arguments are not supported.
//
// Method (Cephes expf): x = n ln2 + r with n = round(x / ln2), |r| <= ln2/2,
// exp(r) by a degree-7 polynomial, then exp(x) = 2^n exp(r) with 2^n built
// from exponent bits as 2^(n/2) * 2^(n - n/2) so that n down to -150 works
// with normal scale factors and one final rounding.
inline float ExpNonPositive(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;      // Exact in 9 bits.
  constexpr float kLn2Lo = -2.12194440e-4f;   // ln2 - kLn2Hi.
  constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23.
  // Clamp (NaN becomes -104 too, so the integer conversion below is defined).
  x = x > -104.0f ? x : -104.0f;
  const float t = x * kLog2e + kRoundMagic;  // Rounds x/ln2 to an integer.
  const float nf = t - kRoundMagic;          // In [-150, 0].
  float r = x - nf * kLn2Hi;
  r = r - nf * kLn2Lo;
  const float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  const int32_t n = static_cast<int32_t>(nf);
  const int32_t n1 = n / 2;
  const int32_t n2 = n - n1;
  return p * vec_math_internal::BitsToFloat((n1 + 127) << 23) *
         vec_math_internal::BitsToFloat((n2 + 127) << 23);
}

// ExpNonPositiveInPlace() sets v[i] = exp(v[i]) for i < n, for v[i] <= 0,
// 16 floats at a time through one vectorized routine (bitwise the same
// wherever the range starts or ends). A NaN becomes an unspecified value in
// [0, 1] (see ExpNonPositive()); callers propagate NaN themselves.
void ExpNonPositiveInPlace(float* v, int64_t n);

// SigmoidOf(x) = 1 / (1 + exp(-x)), with e = exp(-|x|) in (0, 1]:
//   x >= 0: 1 / (1 + e);   x < 0: e / (1 + e) = e * (1 / (1 + e)).
// NaN propagates.
inline float SigmoidOf(float x) {
  const float e = ExpNonPositive(-std::fabs(x));
  const float s = 1.0f / (1.0f + e);
  const float y = x >= 0.0f ? s : e * s;
  return x == x ? y : x;  // Propagate NaN.
}

// TanhOf(x) = sign(x) tanh(|x|), branch-free (both halves are computed, one
// is selected); with a = |x|:
//  a <  0.625: a + a^3 P(a^2), Cephes tanhf's minimax polynomial (no
//              cancellation near 0);
//  a >= 0.625: (1 - e) / (1 + e) with e = exp(-2a) in (0, 0.29], which never
//              overflows and gives exactly 1 for large a.
// copysign keeps tanh(-0) = -0. NaN propagates.
inline float TanhOf(float x) {
  const float a = std::fabs(x);
  const float s = a * a;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  const float near_zero = p * s * a + a;
  const float e = ExpNonPositive(-2.0f * a);
  const float far = (1.0f - e) / (1.0f + e);
  const float y = std::copysign(a < 0.625f ? near_zero : far, x);
  return x == x ? y : x;  // Propagate NaN.
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_VEC_MATH_H_
