#include "benchmarks/bench_util.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"
#include "core/gemm.h"
#include "core/random.h"
#include "ops/cpu/direct_conv16.h"
#include "ops/cpu/fma_probe.h"

namespace dagrad {
namespace {

const bool kContextAdded = [] {
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("openblas_core", BlasCoreType());
  benchmark::AddCustomContext("OPENBLAS_CORETYPE",
                              coretype ? coretype : "(unset)");
#if defined(__AVX512F__)
  benchmark::AddCustomContext("dagrad_isa", "AVX-512");
#elif defined(__AVX2__)
  benchmark::AddCustomContext("dagrad_isa", "AVX2");
#else
  benchmark::AddCustomContext("dagrad_isa", "baseline");
#endif
  // The run-time kernel choices (ops/cpu/fma_probe.h) and what they rest on.
  benchmark::AddCustomContext(
      "fma_probe", absl::StrFormat("peak %.1f GFLOP/s/thread, %d pipe(s)",
                                   FmaPeakGflops(), FmaPipes()));
  benchmark::AddCustomContext("conv_dw16_blocking",
                              Wgrad16BlockingName(ChosenWgrad16Blocking()));
  benchmark::AddCustomContext("gemm", "LIBXSMM (op(B) = B), oneDNN (B^T)");
  return true;
}();

}  // namespace

void SetFlopCounters(benchmark::State& state, double flops_per_iteration,
                     int64_t items_per_iteration) {
  (void)kContextAdded;
  state.counters["GFLOPS"] = benchmark::Counter(
      flops_per_iteration * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
  state.SetItemsProcessed(items_per_iteration * state.iterations());
}

Tensor RandomFill(const Shape& shape, uint64_t seed, float lo, float hi) {
  Tensor t = Tensor::Zeros(shape);
  Rng rng(seed);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng.Uniform(lo, hi);
  return t;
}

RandomBatch::RandomBatch(int64_t batch)
    : images(Tensor::Zeros(Shape({batch, 1, 28, 28}))),
      labels(Tensor::Zeros(Shape({batch}))) {
  Rng rng(0);
  for (int64_t i = 0; i < images.size(); ++i) images[i] = rng.Uniform();
  for (int64_t i = 0; i < batch; ++i) {
    labels[i] = static_cast<float>(rng.UniformInt(10));
  }
}

}  // namespace dagrad
