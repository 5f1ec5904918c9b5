// benchmarks/ops_loss_bench.cc: the per-step loss ops at dagrad's training
// shapes: SoftmaxCrossEntropy forward + VJP at [64,10] and [100,10] (MNIST
// batches), Softmax and LogSoftmax forward + VJP at [64,10]. These run once
// per training step, so what matters is per-call overhead.
// Arguments: shape index, threads. items/s counts examples (rows); "GFLOPS"
// counts a nominal 5 operations per element for a softmax row (max, subtract,
// exp, sum, scale) plus 3 per element for the VJP (dot, subtract, multiply),
// and for SoftmaxCrossEntropy 5 (softmax) + 2 (loss) + 2 (VJP) per element.
//
//   bazel run -c opt //benchmarks:ops_loss
#include <cstdint>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/eager.h"
#include "ops/log_softmax.h"
#include "ops/softmax.h"
#include "ops/softmax_cross_entropy.h"

namespace dagrad {
namespace {

Shape BenchShape(int64_t index) {
  return index == 0 ? Shape({64, 10}) : Shape({100, 10});
}

// BM_SoftmaxCrossEntropy: forward + VJP wrt the logits, integer labels
// (kSoft = false) or soft [N,C] targets (kSoft = true).
template <bool kSoft>
void BM_SoftmaxCrossEntropy(benchmark::State& state) {
  const Shape shape = BenchShape(state.range(0));
  const int64_t n = shape.dim(0);
  const int64_t c = shape.dim(1);
  ThreadPool pool(static_cast<int>(state.range(1)));
  Tensor x = RandomFill(shape, 1, -4.0f, 4.0f);
  Tensor labels = kSoft ? Tensor::Zeros(shape) : Tensor::Zeros(Shape({n}));
  Rng rng(2);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t label = static_cast<int64_t>(rng.UniformInt(c));
    if (kSoft) {
      labels[r * c + label] = 1.0f;
    } else {
      labels[r] = static_cast<float>(label);
    }
  }
  auto op =
      EagerOp::Create(OpKind::kSoftmaxCrossEntropy, SoftmaxCrossEntropyAttrs{},
                      {shape, labels.shape()}, &pool);
  if (!op.ok()) {
    state.SkipWithError(std::string(op.status().message()).c_str());
    return;
  }
  Tensor dy = Tensor::FromValues(Shape(), {1.0f});
  Tensor dx = Tensor::Zeros(shape);
  for (auto _ : state) {
    benchmark::DoNotOptimize((*op)->Forward({&x, &labels}));
    benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  SetFlopCounters(state, 9.0 * static_cast<double>(n * c), n);
  state.SetLabel(shape.DebugString() + (kSoft ? " targets" : " ids"));
}

// BM_RowOp: Softmax / LogSoftmax forward (kVjp = false) or forward + VJP.
template <typename Attrs, bool kVjp>
void BM_RowOp(benchmark::State& state) {
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
  for (auto _ : state) {
    benchmark::DoNotOptimize((*op)->Forward({&x}));
    if (kVjp) benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  SetFlopCounters(state, (kVjp ? 8.0 : 5.0) * shape.num_elements(),
                  shape.dim(0));
  state.SetLabel(shape.DebugString());
}

void LossArgs(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (int shape = 0; shape < 2; ++shape) b->Args({shape, threads});
  }
  b->ArgNames({"shape", "threads"})->UseRealTime();
}

void RowArgs(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) b->Args({0, threads});
  b->ArgNames({"shape", "threads"})->UseRealTime();
}

BENCHMARK_TEMPLATE(BM_SoftmaxCrossEntropy, false)->Apply(LossArgs);
BENCHMARK_TEMPLATE(BM_SoftmaxCrossEntropy, true)->Apply(LossArgs);
BENCHMARK_TEMPLATE(BM_RowOp, SoftmaxAttrs, false)->Apply(RowArgs);
BENCHMARK_TEMPLATE(BM_RowOp, SoftmaxAttrs, true)->Apply(RowArgs);
BENCHMARK_TEMPLATE(BM_RowOp, LogSoftmaxAttrs, false)->Apply(RowArgs);
BENCHMARK_TEMPLATE(BM_RowOp, LogSoftmaxAttrs, true)->Apply(RowArgs);

}  // namespace
}  // namespace dagrad
