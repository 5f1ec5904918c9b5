#include "benchmarks/bench_util.h"

#include <cstdlib>
#include <string>

#include "core/gemm.h"
#include "core/random.h"

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
