// benchmarks/ops_act_bench.cc: elementwise activations (Relu, Sigmoid, Tanh)
// and Identity, forward and VJP, at the shapes of dagrad's models:
//   [64,200] (MLP hidden), [100,100] (square), [64,6,28,28] (LeNet conv1).
// Arguments: shape index, threads. items/s counts elements; "GFLOPS" counts
// one operation per element (so it reads as Gelements/s), and bytes/s counts
// the memory streamed (forward: x in, y out; VJP: y and dy in, dx out).
//
//   bazel run -c opt //benchmarks:ops_act
#include <cstdint>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/eager.h"
#include "ops/identity.h"
#include "ops/relu.h"
#include "ops/sigmoid.h"
#include "ops/tanh.h"

namespace dagrad {
namespace {

Shape BenchShape(int64_t index) {
  switch (index) {
    case 0:
      return Shape({64, 200});
    case 1:
      return Shape({100, 100});
    default:
      return Shape({64, 6, 28, 28});
  }
}

// BM_Act<Attrs, vjp>: forward (vjp = false) or VJP of one op.
template <typename Attrs, bool kVjp>
void BM_Act(benchmark::State& state) {
  const Shape shape = BenchShape(state.range(0));
  ThreadPool pool(static_cast<int>(state.range(1)));
  auto op = EagerOp::Create(Attrs::kKind, Attrs{}, {shape}, &pool);
  if (!op.ok()) {
    state.SkipWithError(std::string(op.status().message()).c_str());
    return;
  }
  Tensor x = RandomFill(shape, 1, -4.0f, 4.0f);
  Tensor dy = RandomFill(shape, 2, -4.0f, 4.0f);
  Tensor dx = Tensor::Zeros(shape);
  if (!(*op)->Forward({&x}).ok()) {
    state.SkipWithError("forward failed");
    return;
  }
  for (auto _ : state) {
    if (kVjp) {
      benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
      benchmark::DoNotOptimize(dx.data());
    } else {
      benchmark::DoNotOptimize((*op)->Forward({&x}));
      benchmark::DoNotOptimize((*op)->output().data());
    }
    benchmark::ClobberMemory();
  }
  const int64_t n = shape.num_elements();
  SetFlopCounters(state, static_cast<double>(n), n);
  state.SetBytesProcessed(state.iterations() * n * (kVjp ? 3 : 2) *
                          static_cast<int64_t>(sizeof(float)));
  state.SetLabel(shape.DebugString());
}

void Args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int shape = 0; shape < 3; ++shape) b->Args({shape, threads});
  }
  b->ArgNames({"shape", "threads"})->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_Act, ReluAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, ReluAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, SigmoidAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, SigmoidAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, TanhAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, TanhAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, IdentityAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, IdentityAttrs, true)->Apply(Args);

}  // namespace
}  // namespace dagrad
