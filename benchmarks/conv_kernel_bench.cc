// benchmarks/conv_kernel_bench.cc: the convolution kernel variants that
// are chosen at run time, each run explicitly, one thread, so a variant can
// be measured on a core that would not pick it. Today: the register
// blockings of DirectWeightGrad16() (ops/cpu/direct_conv16.h) at LeNet-5's
// conv2 dW (16 output channels, 6x5x5 taps, 14x14 input, 10x10 output,
// a block of 8 images). The label marks the blocking the core picks with a
// '*'; the context names the probe's result. Read medians:
//
//   bazel run -c opt //benchmarks:conv_kernels -- --benchmark_repetitions=5
#include <cstdint>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "ops/cpu/direct_conv.h"
#include "ops/cpu/direct_conv16.h"
#include "ops/cpu/fma_probe.h"

namespace dagrad {
namespace {

void BM_DirectWeightGrad16(benchmark::State& state) {
  if (!Correlate16Supported(5, 1)) {
    state.SkipWithError("needs AVX-512 or AVX2");
    return;
  }
  const auto blocking = static_cast<Wgrad16Blocking>(state.range(0));
  constexpr int64_t kChannels = 6, kIn = 14, kOut = 10, kImages = 8;
  constexpr int64_t kImage = kChannels * kIn * kIn;
  const Tensor x = RandomFill(Shape({kImages * kImage}), 1);
  const Tensor dyt = RandomFill(Shape({kImages * kOut * kOut * 16}), 2);
  Tensor dw16 = Tensor::Zeros(Shape({kChannels * 25 * 16}));
  const DirectImage in{x.data(), kChannels, kIn * kIn, kIn, 1, 5, 5};
  for (auto _ : state) {
    DirectWeightGrad16With(blocking, in, kImage, kIn, dyt.data(),
                           kOut * kOut * 16, kImages, kOut, kOut, dw16.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * kImages * kOut * kOut * 16 * kChannels * 25;
  SetFlopCounters(state, flops, kImages);
  state.counters["peak%"] = benchmark::Counter(
      100.0 * flops * static_cast<double>(state.iterations()) /
          (FmaPeakGflops() * 1e9),
      benchmark::Counter::kIsRate);
  state.SetLabel(std::string(Wgrad16BlockingName(blocking)) +
                 (blocking == ChosenWgrad16Blocking() ? "*" : ""));
}
BENCHMARK(BM_DirectWeightGrad16)
    ->Arg(static_cast<int64_t>(Wgrad16Blocking::kTwoRows))
    ->Arg(static_cast<int64_t>(Wgrad16Blocking::kWide))
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dagrad
