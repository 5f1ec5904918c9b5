// benchmarks/ops_broadcast_bench.cc: the broadcasting binary ops (Add, Sub,
// Mul, Div, Maximum, Minimum), forward and both VJPs, at the operand pairs
// dagrad's models meet:
//   0: [64,200] op [64,200]       equal shapes (the plain elementwise loop)
//   1: [64,200] op [200]          a row vector (a bias)
//   2: [64,200] op [64,1]         a column (a per-row scale)
//   3: [64,6,28,28] op [6,1,1]    a per-channel value (LeNet conv1)
// Arguments: pair index, threads, wrt (-1 forward, 0 da, 1 db: the VJP of
// a broadcast operand includes its sum over the broadcast axes). items/s
// counts output elements.
//
//   bazel run -c opt //benchmarks:ops_broadcast
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/add.h"
#include "ops/div.h"
#include "ops/eager.h"
#include "ops/maximum.h"
#include "ops/minimum.h"
#include "ops/mul.h"
#include "ops/sub.h"

namespace dagrad {
namespace {

std::pair<Shape, Shape> Pair(int64_t index) {
  switch (index) {
    case 0:
      return {Shape({64, 200}), Shape({64, 200})};
    case 1:
      return {Shape({64, 200}), Shape({200})};
    case 2:
      return {Shape({64, 200}), Shape({64, 1})};
    default:
      return {Shape({64, 6, 28, 28}), Shape({6, 1, 1})};
  }
}

// BM_Broadcast<Attrs>: one op at one pair; wrt as above.
template <typename Attrs>
void BM_Broadcast(benchmark::State& state) {
  const auto [sa, sb] = Pair(state.range(0));
  ThreadPool pool(static_cast<int>(state.range(1)));
  const int wrt = static_cast<int>(state.range(2));
  Tensor a = RandomFill(sa, 1);
  Tensor b = RandomFill(sb, 2, 0.5f, 1.5f);  // Away from Div's pole.
  auto op = EagerOp::Create(Attrs::kKind, Attrs{}, {sa, sb}, &pool);
  if (!op.ok() || !(*op)->Forward({&a, &b}).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Tensor dy = RandomFill((*op)->output_shape(), 3);
  Tensor grad = Tensor::Zeros(wrt == 1 ? sb : sa);
  for (auto _ : state) {
    if (wrt < 0) {
      benchmark::DoNotOptimize((*op)->Forward({&a, &b}));
    } else {
      benchmark::DoNotOptimize((*op)->Vjp(wrt, dy, &grad));
    }
    benchmark::ClobberMemory();
  }
  const int64_t n = dy.size();
  SetFlopCounters(state, static_cast<double>(n), n);
  state.SetLabel(absl::StrCat(sa.DebugString(), " op ", sb.DebugString(),
                              wrt < 0    ? " fwd"
                              : wrt == 0 ? " da"
                                         : " db"));
}

void Args(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int wrt : {-1, 0, 1}) {
      for (int pair = 0; pair < 4; ++pair) b->Args({pair, threads, wrt});
    }
  }
  b->ArgNames({"pair", "threads", "wrt"})->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_Broadcast, AddAttrs)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Broadcast, SubAttrs)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Broadcast, MulAttrs)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Broadcast, DivAttrs)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Broadcast, MaximumAttrs)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Broadcast, MinimumAttrs)->Apply(Args);

}  // namespace
}  // namespace dagrad
