// benchmarks/ops_act_bench.cc: the elementwise unary ops, forward and VJP:
// activations (Relu, Sigmoid, Tanh, LeakyRelu, Elu, Gelu in both forms,
// Softplus, Swish), math (Exp, Log, Sqrt, Rsqrt, Pow, Abs, Neg) and
// Identity, at the shapes of dagrad's models:
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
#include "ops/abs.h"
#include "ops/eager.h"
#include "ops/elu.h"
#include "ops/exp.h"
#include "ops/gelu.h"
#include "ops/identity.h"
#include "ops/leaky_relu.h"
#include "ops/log.h"
#include "ops/neg.h"
#include "ops/pow.h"
#include "ops/relu.h"
#include "ops/rsqrt.h"
#include "ops/sigmoid.h"
#include "ops/softplus.h"
#include "ops/sqrt.h"
#include "ops/swish.h"
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

// RunAct() times the forward (vjp = false) or VJP of one op on inputs
// uniform in [lo, 4).
void RunAct(benchmark::State& state, OpKind kind, const OpAttrs& attrs,
            bool vjp, float lo) {
  const Shape shape = BenchShape(state.range(0));
  ThreadPool pool(static_cast<int>(state.range(1)));
  auto op = EagerOp::Create(kind, attrs, {shape}, &pool);
  if (!op.ok()) {
    state.SkipWithError(std::string(op.status().message()).c_str());
    return;
  }
  Tensor x = RandomFill(shape, 1, lo, 4.0f);
  Tensor dy = RandomFill(shape, 2, -4.0f, 4.0f);
  Tensor dx = Tensor::Zeros(shape);
  if (!(*op)->Forward({&x}).ok()) {
    state.SkipWithError("forward failed");
    return;
  }
  for (auto _ : state) {
    if (vjp) {
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
  state.SetBytesProcessed(state.iterations() * n * (vjp ? 3 : 2) *
                          static_cast<int64_t>(sizeof(float)));
  state.SetLabel(shape.DebugString());
}

// BM_Act<Attrs, vjp>: one op with default attributes on [-4, 4).
template <typename Attrs, bool kVjp>
void BM_Act(benchmark::State& state) {
  RunAct(state, Attrs::kKind, Attrs{}, kVjp, -4.0f);
}

// BM_Positive<Attrs, vjp>: an op defined for x > 0, on [0.1, 4).
template <typename Attrs, bool kVjp>
void BM_Positive(benchmark::State& state) {
  RunAct(state, Attrs::kKind, Attrs{}, kVjp, 0.1f);
}

// BM_GeluTanh<vjp>: Gelu in its tanh form.
template <bool kVjp>
void BM_GeluTanh(benchmark::State& state) {
  GeluAttrs attrs;
  attrs.approximation = GeluApproximation::kTanh;
  RunAct(state, OpKind::kGelu, attrs, kVjp, -4.0f);
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
BENCHMARK_TEMPLATE(BM_Act, LeakyReluAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, LeakyReluAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, EluAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, EluAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, GeluAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, GeluAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_GeluTanh, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_GeluTanh, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, SoftplusAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, SoftplusAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, SwishAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, SwishAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, ExpAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, ExpAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, LogAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, LogAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, SqrtAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, SqrtAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, RsqrtAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, RsqrtAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, PowAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Positive, PowAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, AbsAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, AbsAttrs, true)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, NegAttrs, false)->Apply(Args);
BENCHMARK_TEMPLATE(BM_Act, NegAttrs, true)->Apply(Args);

}  // namespace
}  // namespace dagrad
