#include "ops/cpu/fma_probe.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace dagrad {
namespace {

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16;
inline Vec Fill(float v) { return _mm512_set1_ps(v); }
inline Vec Fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
inline float First(Vec v) { return _mm512_cvtss_f32(v); }
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
constexpr int kLanes = 8;
inline Vec Fill(float v) { return _mm256_set1_ps(v); }
inline Vec Fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
inline float First(Vec v) { return _mm256_cvtss_f32(v); }
#endif

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))

// ChainsGflops<N>() times `rounds` rounds of N independent FMAs.
template <int N>
double ChainsGflops(int64_t rounds, float* sink) {
  Vec acc[N];
  for (int i = 0; i < N; ++i) acc[i] = Fill(0.001f * i);
  const Vec b = Fill(0.9999f), c = Fill(0.0001f);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < rounds; ++r) {
#pragma GCC unroll 12
    for (int i = 0; i < N; ++i) acc[i] = Fma(acc[i], b, c);
  }
  for (int i = 0; i < N; ++i) *sink += First(acc[i]);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return 2.0 * kLanes * N * static_cast<double>(rounds) / secs / 1e9;
}

#endif

}  // namespace

FmaProbeResult ProbeFma() {
  FmaProbeResult r;
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  // About 0.3 ms per trial at 1-2 FMAs per cycle; the same FMA count both
  // ways, alternated so a burst of load hits both.
  constexpr int64_t kFmas = 1 << 20;
  constexpr int kTrials = 8;
  float sink = 0.0f;
  for (int t = 0; t < kTrials; ++t) {
    r.latency_bound_gflops =
        std::max(r.latency_bound_gflops, ChainsGflops<4>(kFmas / 4, &sink));
    r.peak_gflops =
        std::max(r.peak_gflops, ChainsGflops<12>(kFmas / 12, &sink));
  }
  r.pipes = r.peak_gflops >= 1.5 * r.latency_bound_gflops ? 2 : 1;
  // Keeps the chains' results alive (the sum is finite, never negative).
  if (sink < 0.0f) r.pipes = 1;
#endif
  return r;
}

const FmaProbeResult& CachedFmaProbe() {
  static const FmaProbeResult kResult = ProbeFma();
  return kResult;
}

double FmaPeakGflops() { return CachedFmaProbe().peak_gflops; }

int FmaPipes() { return CachedFmaProbe().pipes; }

}  // namespace dagrad
