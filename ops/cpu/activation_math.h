// ops/cpu/activation_math.h: the per-element functions of the smooth
// activations (GELU in both forms, Softplus, Swish) and their derivatives,
// applied by ParallelMap() (ops/cpu/parallel_map.h).
//
//  - GeluErfOf() / GeluErfGrad(): x Phi(x) with Phi the normal CDF.
//  - GeluTanhOf() / GeluTanhGrad(): the tanh approximation of GELU.
//  - SoftplusOf(): log(1 + exp(x)) without overflow.
//  - SwishOf() / SwishGrad(): x sigmoid(x) (SiLU).
//
// Determinism: each is a pure function of its argument (libm's erf, exp
// and log1p, and vec_math.h's SigmoidOf / TanhOf), the same wherever it
// runs.
//
// Example:
//   ParallelMap(pool, n, x, y, [](float v) { return GeluErfOf(v); });
#ifndef DAGRAD_OPS_CPU_ACTIVATION_MATH_H_
#define DAGRAD_OPS_CPU_ACTIVATION_MATH_H_

#include <cmath>

#include "ops/cpu/vec_math.h"

namespace dagrad {

inline constexpr float kSqrtHalf = 0.70710678118654752f;     // 1/sqrt(2)
inline constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1/sqrt(2 pi)
inline constexpr float kSqrt2OverPi = 0.79788456080286536f;  // sqrt(2/pi)
inline constexpr float kGeluCubic = 0.044715f;

// GeluErfOf(x) = x Phi(x) = 0.5 x (1 + erf(x / sqrt(2))).
inline float GeluErfOf(float x) {
  return 0.5f * x * (1.0f + std::erf(x * kSqrtHalf));
}

// GeluErfGrad(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi).
inline float GeluErfGrad(float x) {
  const float cdf = 0.5f * (1.0f + std::erf(x * kSqrtHalf));
  return cdf + x * (kInvSqrt2Pi * std::exp(-0.5f * x * x));
}

// GeluTanhOf(x) = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3).
inline float GeluTanhOf(float x) {
  const float u = kSqrt2OverPi * (x + kGeluCubic * x * x * x);
  return 0.5f * x * (1.0f + TanhOf(u));
}

// GeluTanhGrad(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx, t = tanh(u),
// du/dx = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
inline float GeluTanhGrad(float x) {
  const float u = kSqrt2OverPi * (x + kGeluCubic * x * x * x);
  const float t = TanhOf(u);
  const float du = kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * x * x);
  return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du;
}

// SoftplusOf(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), which
// neither overflows nor loses the small values of large negative x. NaN
// propagates.
inline float SoftplusOf(float x) {
  const float y =
      (x > 0.0f ? x : 0.0f) + std::log1p(ExpNonPositive(-std::fabs(x)));
  return x == x ? y : x;
}

// SwishOf(x) = x sigmoid(x).
inline float SwishOf(float x) { return x * SigmoidOf(x); }

// SwishGrad(x) = s (1 + x (1 - s)), s = sigmoid(x).
inline float SwishGrad(float x) {
  const float s = SigmoidOf(x);
  return s * (1.0f + x * (1.0f - s));
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_ACTIVATION_MATH_H_
