// benchmarks/ops_dense_bench.cc: the dense ops at the shapes of dagrad's MLPs.
//   MatMul forward and both VJPs: [64,784]x[784,200], [64,200]x[200,10],
//     [100,784]x[784,100], [100,100]x[100,10]  ("GFLOPS" = 2*M*N*K per call).
//   BiasAdd forward / VJP (dx, dbias) at [64,200]; Add, Mul at [64,200];
//   Sum, Mean over all elements at [64,200]  (items/s counts elements);
//   ReduceMax over all elements at [64,200], forward and VJP.
//   BM_ReduceAxes: Sum and Mean over several axes (one run of reduced axes,
//     or two separate runs), forward and VJP  (items/s counts x's elements).
//   BM_DenseForward / BM_DenseBackward /400x120/threads:T: LeNet-5's first
//     dense layer at batch 64, y = x W + b (MatMul then BiasAdd) and its
//     backward dx, dW, db, as tools/pytorch_reference/bench.py times
//     F.linear and AddmmBackward.
// Arguments: case index, threads.
//
//   bazel run -c opt //benchmarks:ops_dense
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/add.h"
#include "ops/bias_add.h"
#include "ops/eager.h"
#include "ops/mat_mul.h"
#include "ops/mean.h"
#include "ops/mul.h"
#include "ops/reduce_max.h"
#include "ops/sum.h"

namespace dagrad {
namespace {

struct MatMulCase {
  int64_t m, k, n;
};
constexpr MatMulCase kMatMulCases[] = {
    {64, 784, 200}, {64, 200, 10}, {100, 784, 100}, {100, 100, 10}};

// BM_MatMul: wrt = -1 (forward), 0 (dA) or 1 (dB).
void BM_MatMul(benchmark::State& state) {
  const MatMulCase c = kMatMulCases[state.range(0)];
  const int wrt = static_cast<int>(state.range(2));
  ThreadPool pool(static_cast<int>(state.range(1)));
  Tensor a = RandomFill(Shape({c.m, c.k}), 1);
  Tensor b = RandomFill(Shape({c.k, c.n}), 2);
  Tensor dy = RandomFill(Shape({c.m, c.n}), 3);
  Tensor grad = Tensor::Zeros(wrt == 1 ? b.shape() : a.shape());
  auto op = EagerOp::Create(OpKind::kMatMul, MatMulAttrs{},
                            {a.shape(), b.shape()}, &pool);
  if (!op.ok() || !(*op)->Forward({&a, &b}).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  for (auto _ : state) {
    if (wrt < 0) {
      benchmark::DoNotOptimize((*op)->Forward({&a, &b}));
    } else {
      benchmark::DoNotOptimize((*op)->Vjp(wrt, dy, &grad));
    }
    benchmark::ClobberMemory();
  }
  SetFlopCounters(state, 2.0 * c.m * c.n * c.k, c.m);
  state.SetLabel(absl::StrCat("[", c.m, ",", c.k, "]x[", c.k, ",", c.n, "]",
                              wrt < 0    ? " fwd"
                              : wrt == 0 ? " dA"
                                         : " dB"));
}

void MatMulArgs(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int wrt : {-1, 0, 1}) {
      for (int c = 0; c < 4; ++c) b->Args({c, threads, wrt});
    }
  }
  b->ArgNames({"case", "threads", "wrt"})->UseRealTime();
}
BENCHMARK(BM_MatMul)->Apply(MatMulArgs);

// BM_Elementwise: one op on [64,200] (BiasAdd's bias [200]); wrt as above.
template <typename Attrs>
void BM_Elementwise(benchmark::State& state) {
  const Shape shape({64, 200});
  const int wrt = static_cast<int>(state.range(1));
  ThreadPool pool(static_cast<int>(state.range(0)));
  std::vector<Tensor> inputs;
  inputs.push_back(RandomFill(shape, 1));
  const OpKind kind = Attrs::kKind;
  if (kind == OpKind::kAdd || kind == OpKind::kMul) {
    inputs.push_back(RandomFill(shape, 2));
  } else if (kind == OpKind::kBiasAdd) {
    inputs.push_back(RandomFill(Shape({200}), 2));
  }
  std::vector<Shape> shapes;
  std::vector<Tensor*> ptrs;
  for (Tensor& t : inputs) {
    shapes.push_back(t.shape());
    ptrs.push_back(&t);
  }
  auto op = EagerOp::Create(kind, Attrs{}, shapes, &pool);
  if (!op.ok() || !(*op)->Forward(ptrs).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Tensor dy = RandomFill((*op)->output().shape(), 3);
  Tensor grad = Tensor::Zeros(wrt >= 0 ? shapes[wrt] : shape);
  for (auto _ : state) {
    if (wrt < 0) {
      benchmark::DoNotOptimize((*op)->Forward(ptrs));
    } else {
      benchmark::DoNotOptimize((*op)->Vjp(wrt, dy, &grad));
    }
    benchmark::ClobberMemory();
  }
  const int64_t n = shape.num_elements();
  SetFlopCounters(state, static_cast<double>(n), n);
  state.SetLabel(wrt < 0    ? "[64,200] fwd"
                 : wrt == 0 ? "[64,200] d0"
                            : "[64,200] d1");
}

void ThreadArgs(benchmark::internal::Benchmark* b, std::vector<int> wrts) {
  for (int threads : {1, 2}) {
    for (int wrt : wrts) b->Args({threads, wrt});
  }
  b->ArgNames({"threads", "wrt"})->UseRealTime();
}
void FwdArgs(benchmark::internal::Benchmark* b) { ThreadArgs(b, {-1}); }
void BiasArgs(benchmark::internal::Benchmark* b) { ThreadArgs(b, {-1, 0, 1}); }
void UnaryArgs(benchmark::internal::Benchmark* b) { ThreadArgs(b, {-1, 0}); }

BENCHMARK_TEMPLATE(BM_Elementwise, BiasAddAttrs)->Apply(BiasArgs);
BENCHMARK_TEMPLATE(BM_Elementwise, AddAttrs)->Apply(FwdArgs);
BENCHMARK_TEMPLATE(BM_Elementwise, MulAttrs)->Apply(FwdArgs);
BENCHMARK_TEMPLATE(BM_Elementwise, SumAttrs)->Apply(FwdArgs);
BENCHMARK_TEMPLATE(BM_Elementwise, MeanAttrs)->Apply(FwdArgs);
BENCHMARK_TEMPLATE(BM_Elementwise, ReduceMaxAttrs)->Apply(UnaryArgs);

// BM_ReduceAxes: Sum or Mean of x over `axes`; wrt -1 forward, 0 the VJP.
struct ReduceAxesCase {
  OpKind kind;
  Shape x;
  std::vector<int> axes;
  const char* label;
};
const ReduceAxesCase& ReduceAxesCaseAt(int64_t i) {
  static const ReduceAxesCase kCases[] = {
      {OpKind::kSum, Shape({64, 32, 14, 14}), {2, 3}, "Sum [64,32,14,14]{2,3}"},
      {OpKind::kSum,
       Shape({64, 32, 14, 14}),
       {0, 2, 3},
       "Sum [64,32,14,14]{0,2,3}"},
      {OpKind::kMean, Shape({64, 32, 14, 14}), {1}, "Mean [64,32,14,14]{1}"},
      {OpKind::kMean,
       Shape({64, 32, 14, 14}),
       {0, 2, 3},
       "Mean [64,32,14,14]{0,2,3}"},
      {OpKind::kMean, Shape({64, 200}), {0}, "Mean [64,200]{0}"},
  };
  return kCases[i];
}
constexpr int kReduceAxesCases = 5;

void BM_ReduceAxes(benchmark::State& state) {
  const ReduceAxesCase& c = ReduceAxesCaseAt(state.range(0));
  ThreadPool pool(static_cast<int>(state.range(1)));
  const int wrt = static_cast<int>(state.range(2));
  OpAttrs attrs;
  if (c.kind == OpKind::kSum) {
    SumAttrs sum;
    sum.axes = c.axes;
    attrs = sum;
  } else {
    MeanAttrs mean;
    mean.axes = c.axes;
    attrs = mean;
  }
  Tensor x = RandomFill(c.x, 1);
  auto op = EagerOp::Create(c.kind, attrs, {c.x}, &pool);
  if (!op.ok() || !(*op)->Forward({&x}).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Tensor dy = RandomFill((*op)->output().shape(), 3);
  Tensor dx = Tensor::Zeros(c.x);
  for (auto _ : state) {
    if (wrt < 0) {
      benchmark::DoNotOptimize((*op)->Forward({&x}));
    } else {
      benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
    }
    benchmark::ClobberMemory();
  }
  const int64_t n = c.x.num_elements();
  SetFlopCounters(state, static_cast<double>(n), n);
  state.SetLabel(absl::StrCat(c.label, wrt < 0 ? " fwd" : " vjp"));
}

void ReduceAxesArgs(benchmark::internal::Benchmark* b) {
  for (int i = 0; i < kReduceAxesCases; ++i) {
    for (int threads : {1, 2}) {
      for (int wrt : {-1, 0}) b->Args({i, threads, wrt});
    }
  }
  b->ArgNames({"case", "threads", "wrt"})->UseRealTime();
}
BENCHMARK(BM_ReduceAxes)->Apply(ReduceAxesArgs);

// BM_Dense: x [64,400], W [400,120], b [120]; forward or backward.
void RunDense(benchmark::State& state, bool backward, int threads) {
  ThreadPool pool(threads);
  Tensor x = RandomFill(Shape({64, 400}), 1);
  Tensor w = RandomFill(Shape({400, 120}), 2);
  Tensor b = RandomFill(Shape({120}), 3);
  Tensor dy = RandomFill(Shape({64, 120}), 4);
  Tensor dx = Tensor::Zeros(x.shape());
  Tensor dw = Tensor::Zeros(w.shape());
  Tensor db = Tensor::Zeros(b.shape());
  auto mm = EagerOp::Create(OpKind::kMatMul, MatMulAttrs{},
                            {x.shape(), w.shape()}, &pool);
  auto bias = EagerOp::Create(OpKind::kBiasAdd, BiasAddAttrs{},
                              {Shape({64, 120}), b.shape()}, &pool);
  if (!mm.ok() || !bias.ok() || !(*mm)->Forward({&x, &w}).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Tensor z = (*mm)->output().Clone();
  if (!(*bias)->Forward({&z, &b}).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  for (auto _ : state) {
    if (backward) {
      benchmark::DoNotOptimize((*bias)->Vjp(1, dy, &db));
      benchmark::DoNotOptimize((*mm)->Vjp(0, dy, &dx));
      benchmark::DoNotOptimize((*mm)->Vjp(1, dy, &dw));
    } else {
      benchmark::DoNotOptimize((*mm)->Forward({&x, &w}));
      benchmark::DoNotOptimize((*bias)->Forward({&z, &b}));
    }
    benchmark::ClobberMemory();
  }
  SetFlopCounters(state, (backward ? 4.0 : 2.0) * 64 * 400 * 120, 64);
}

const bool kDenseRegistered = [] {
  for (int threads : {1, 2}) {
    for (bool backward : {false, true}) {
      benchmark::RegisterBenchmark(
          absl::StrCat(backward ? "BM_DenseBackward" : "BM_DenseForward",
                       "/400x120/threads:", threads)
              .c_str(),
          [backward, threads](benchmark::State& state) {
            RunDense(state, backward, threads);
          })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return true;
}();

}  // namespace
}  // namespace dagrad
