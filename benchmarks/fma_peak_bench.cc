// benchmarks/fma_peak_bench.cc: the machine's FP32 FMA peak on one thread,
// the ceiling every kernel's GFLOP/s counter is read against
// (docs/performance.md). Twelve independent chains of 512-bit FMAs (AVX-512
// builds) or 256-bit FMAs (AVX2) keep every FMA pipe busy despite the
// 4-cycle latency; "GFLOPS" counts 2 flops per lane per FMA.
//
//   bazel run -c opt //benchmarks:fma_peak
#include <cstdint>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace dagrad {
namespace {

constexpr int kChains = 12;
constexpr int64_t kRoundsPerIteration = 1 << 16;

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16;
inline Vec Fill(float v) { return _mm512_set1_ps(v); }
inline Vec Fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
constexpr int kLanes = 8;
inline Vec Fill(float v) { return _mm256_set1_ps(v); }
inline Vec Fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
#endif

void BM_FmaPeak(benchmark::State& state) {
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = Fill(0.001f * i);
  const Vec b = Fill(0.9999f), c = Fill(0.0001f);
  for (auto _ : state) {
    for (int64_t r = 0; r < kRoundsPerIteration; ++r) {
#pragma GCC unroll 12
      for (int i = 0; i < kChains; ++i) acc[i] = Fma(acc[i], b, c);
    }
    for (int i = 0; i < kChains; ++i) benchmark::DoNotOptimize(acc[i]);
  }
  const double flops = 2.0 * kLanes * kChains * kRoundsPerIteration;
  SetFlopCounters(state, flops, 0);
#else
  state.SkipWithError("built without AVX-512 or AVX2+FMA");
#endif
}
BENCHMARK(BM_FmaPeak)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dagrad
