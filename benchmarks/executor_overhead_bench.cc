// benchmarks/executor_overhead_bench.cc: the executor's cost per node, on a
// chain of N Identity nodes over a [1] tensor (the kernels do next to
// nothing, so the time is the executor's own):
//   BM_ExecutorOverhead/nodes:N   one Run() of the chain; items/s counts
//                                 nodes, so 1/(items/s) is the time per node
// The chain's correctness and memory plan are tests/graph/long_chain_test.cc.
//
//   bazel run -c opt //benchmarks:executor_overhead
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "ops/identity.h"

namespace dagrad {
namespace {

void BM_ExecutorOverhead(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({1}));
  NodeId h = x;
  for (int i = 0; i < nodes; ++i) h = *b.AddOp(IdentityAttrs{}, {h});
  absl::StatusOr<Graph> g = b.Finalize();
  if (!g.ok()) {
    state.SkipWithError(std::string(g.status().message()).c_str());
    return;
  }
  ExecutorOptions opts;
  opts.fetches = {h};
  absl::StatusOr<std::unique_ptr<Executor>> exec = Executor::Create(*g, opts);
  absl::Status s =
      exec.ok() ? (*exec)->Feed(x, Tensor::FromValues(Shape({1}), {3.5f}))
                : exec.status();
  if (s.ok()) s = (*exec)->Run();  // Warm up.
  if (!s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  for (auto _ : state) {
    absl::Status r = (*exec)->Run();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * nodes);
}
BENCHMARK(BM_ExecutorOverhead)
    ->ArgName("nodes")
    ->Arg(1000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dagrad
