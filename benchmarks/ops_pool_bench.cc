// benchmarks/ops_pool_bench.cc: MaxPool2D and AvgPool2D at LeNet-5's pooling
// shapes, batch 64, 2x2 windows at stride 2 (VALID):
//   lenet:  x [64,6,28,28]  -> y [64,6,14,14]  (after conv1; what
//           tools/pytorch_reference/bench.py times as maxpool_fwd/_bwd)
//   lenet2: x [64,16,10,10] -> y [64,16,5,5]   (after conv2)
// Benchmarks, each at threads:1 and threads:2 (a ThreadPool of that size):
//   BM_MaxPool2DForward   y (and the argmax aux) from x
//   BM_MaxPool2DBackward  dX from dY and the argmax (PyTorch's
//                         max_pool2d_with_indices_backward)
//   BM_AvgPool2DForward / BM_AvgPool2DBackward: the same for mean pooling.
// tools/pytorch_reference/compare.py maps BM_MaxPool2D{Forward,Backward}/
// lenet to PyTorch's workloads. "GFLOPS" counts one operation per window
// element per output (N*C*OH*OW*KH*KW: a compare or an add forward, a
// routed or scaled gradient backward); items/s counts images. Wall time is
// what is compared.
//
//   bazel run -c opt //benchmarks:ops_pool
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/avg_pool2d.h"
#include "ops/eager.h"
#include "ops/max_pool2d.h"

namespace dagrad {
namespace {

struct PoolCase {
  const char* name;
  Shape x;
};

const PoolCase kCases[] = {
    {"lenet", Shape({64, 6, 28, 28})},
    {"lenet2", Shape({64, 16, 10, 10})},
};

// RunPool() times the forward (backward = false) or the VJP of `kind` with
// its default attrs (2x2, stride 2, VALID).
void RunPool(benchmark::State& state, OpKind kind, const PoolCase& c,
             bool backward, int threads) {
  ThreadPool pool(threads);
  const OpAttrs attrs = kind == OpKind::kMaxPool2D ? OpAttrs(MaxPool2DAttrs{})
                                                   : OpAttrs(AvgPool2DAttrs{});
  Tensor x = RandomFill(c.x, 1);
  auto op = EagerOp::Create(kind, attrs, {c.x}, &pool);
  if (!op.ok() || !(*op)->Forward({&x}).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  const Shape& y = (*op)->output_shape();
  Tensor dy = RandomFill(y, 2);
  Tensor dx = Tensor::Zeros(c.x);
  for (auto _ : state) {
    if (backward) {
      benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
    } else {
      benchmark::DoNotOptimize((*op)->Forward({&x}));
    }
    benchmark::ClobberMemory();
  }
  constexpr double kWindowCells = 2 * 2;
  SetFlopCounters(state, kWindowCells * y.num_elements(), c.x.dim(0));
  state.SetLabel(absl::StrCat("x", c.x.DebugString(), " 2x2/2"));
}

const bool kRegistered = [] {
  struct Kind {
    const char* name;
    OpKind kind;
    bool backward;
  };
  const Kind kinds[] = {
      {"BM_MaxPool2DForward", OpKind::kMaxPool2D, false},
      {"BM_MaxPool2DBackward", OpKind::kMaxPool2D, true},
      {"BM_AvgPool2DForward", OpKind::kAvgPool2D, false},
      {"BM_AvgPool2DBackward", OpKind::kAvgPool2D, true},
  };
  for (const Kind& k : kinds) {
    for (const PoolCase& c : kCases) {
      for (int threads : {1, 2}) {
        benchmark::RegisterBenchmark(
            absl::StrCat(k.name, "/", c.name, "/threads:", threads).c_str(),
            [&c, k, threads](benchmark::State& state) {
              RunPool(state, k.kind, c, k.backward, threads);
            });
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace dagrad
