// ops/act_util.h: helpers shared by the elementwise activation ops (Sigmoid,
// Tanh) and the copy ops (Identity, Reshape, Flatten).
//
//  - kElementwiseMinBlock / kCopyMinBlock: the smallest block a parallel loop
//    hands to one thread. Below it, one thread is faster than waking another.
//  - ParallelCopy(): a memcpy split over the pool.
//  - ParallelMap(): out[i] = f(a[i]) or f(a[i], b[i]) over the pool, in
//    16-float chunks that GCC vectorizes even at -O2 (whose "very cheap" cost
//    model refuses plain loops of unknown length).
//  - ExpNonPositive(): a branch-free expf for x <= 0 that GCC vectorizes
//    (AVX2/AVX-512), accurate to ~2 ulp; used by Sigmoid and Tanh, which only
//    ever need exp of a non-positive argument (so nothing can overflow).
//
// Determinism: every helper computes each element by the same arithmetic
// wherever the block boundaries fall, so results are bitwise equal at any
// thread count.
//
// Example:
//   // y = exp(-x^2), vectorized and split over ctx.pool.
//   ParallelMap(ctx.pool, n, x, y,
//               [](float v) { return ExpNonPositive(-v * v); });
#ifndef DAGRAD_OPS_ACT_UTIL_H_
#define DAGRAD_OPS_ACT_UTIL_H_

#include <cstdint>
#include <cstring>

#include "core/thread_pool.h"

namespace dagrad {

// kElementwiseMinBlock is the minimum number of elements per thread for
// arithmetic elementwise loops (64 KiB of floats).
inline constexpr int64_t kElementwiseMinBlock = 16384;
// kCopyMinBlock is the minimum number of floats per thread for plain copies,
// which run at memory speed (256 KiB).
inline constexpr int64_t kCopyMinBlock = 65536;

// ParallelCopy() copies n floats from src to dst (which must not overlap),
// in blocks of at least kCopyMinBlock on `pool`.
void ParallelCopy(ThreadPool* pool, const float* src, int64_t n, float* dst);

// kMapLanes is ParallelMap()'s chunk: one AVX-512 vector, two AVX2 vectors.
inline constexpr int kMapLanes = 16;

namespace act_internal {

// MapChunks() applies f to `chunks` full chunks. It is never inlined, so the
// padded last chunk of ParallelMap() runs through the very same machine code
// as every other chunk (bitwise equal results wherever a chunk falls).
template <typename F>
__attribute__((noinline)) void MapChunks(const float* __restrict a,
                                         float* __restrict out, int64_t chunks,
                                         F f) {
  for (int64_t c = 0; c < chunks; ++c) {
    const float* ac = a + c * kMapLanes;
    float* oc = out + c * kMapLanes;
    for (int j = 0; j < kMapLanes; ++j) oc[j] = f(ac[j]);
  }
}

template <typename F>
__attribute__((noinline)) void MapChunks(const float* __restrict a,
                                         const float* __restrict b,
                                         float* __restrict out, int64_t chunks,
                                         F f) {
  for (int64_t c = 0; c < chunks; ++c) {
    const float* ac = a + c * kMapLanes;
    const float* bc = b + c * kMapLanes;
    float* oc = out + c * kMapLanes;
    for (int j = 0; j < kMapLanes; ++j) oc[j] = f(ac[j], bc[j]);
  }
}

inline float BitsToFloat(int32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

}  // namespace act_internal

// ParallelMap(pool, n, a, out, f) sets out[i] = f(a[i]) for i in [0, n).
// `out` must not overlap `a`. f must be a pure function of its argument
// (a capture-less lambda or a function object); it is applied 16 floats at a
// time, the last partial chunk through a zero-padded stack copy, so f also
// sees padding zeros whose results are discarded. Full chunks are split over
// `pool` in blocks of at least kElementwiseMinBlock floats.
template <typename F>
void ParallelMap(ThreadPool* pool, int64_t n, const float* a, float* out,
                 F f) {
  const int64_t full = n / kMapLanes;
  pool->ParallelFor(
      full,
      [&](int64_t begin, int64_t end) {
        act_internal::MapChunks(a + begin * kMapLanes, out + begin * kMapLanes,
                                end - begin, f);
      },
      kElementwiseMinBlock / kMapLanes);
  const int64_t done = full * kMapLanes;
  const int64_t rest = n - done;
  if (rest > 0) {
    alignas(64) float a_pad[kMapLanes] = {};
    alignas(64) float out_pad[kMapLanes];
    std::memcpy(a_pad, a + done, static_cast<size_t>(rest) * sizeof(float));
    act_internal::MapChunks(a_pad, out_pad, 1, f);
    std::memcpy(out + done, out_pad, static_cast<size_t>(rest) * sizeof(float));
  }
}

// ParallelMap(pool, n, a, b, out, f) sets out[i] = f(a[i], b[i]); the same
// contract as above, for two inputs (e.g. a VJP's y and dy).
template <typename F>
void ParallelMap(ThreadPool* pool, int64_t n, const float* a, const float* b,
                 float* out, F f) {
  const int64_t full = n / kMapLanes;
  pool->ParallelFor(
      full,
      [&](int64_t begin, int64_t end) {
        act_internal::MapChunks(a + begin * kMapLanes, b + begin * kMapLanes,
                                out + begin * kMapLanes, end - begin, f);
      },
      kElementwiseMinBlock / kMapLanes);
  const int64_t done = full * kMapLanes;
  const int64_t rest = n - done;
  if (rest > 0) {
    alignas(64) float a_pad[kMapLanes] = {};
    alignas(64) float b_pad[kMapLanes] = {};
    alignas(64) float out_pad[kMapLanes];
    std::memcpy(a_pad, a + done, static_cast<size_t>(rest) * sizeof(float));
    std::memcpy(b_pad, b + done, static_cast<size_t>(rest) * sizeof(float));
    act_internal::MapChunks(a_pad, b_pad, out_pad, 1, f);
    std::memcpy(out + done, out_pad, static_cast<size_t>(rest) * sizeof(float));
  }
}

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
  return p * act_internal::BitsToFloat((n1 + 127) << 23) *
         act_internal::BitsToFloat((n2 + 127) << 23);
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_ACT_UTIL_H_
