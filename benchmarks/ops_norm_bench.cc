// benchmarks/ops_norm_bench.cc: Dropout, BatchNorm and LayerNorm at the
// shapes of dagrad's MNIST models (and a transformer block's tokens),
// batch 64, training mode.
//   Dropout:   mlp_hidden [64,200] (mnist_dropout's hidden layer) and
//              lenet_c1 [64,6,28,28] (LeNet-5's first feature map).
//   BatchNorm: lenet_c1 [64,6,28,28] (per channel) and lenet_f5 [64,120]
//              (per feature).
//   LayerNorm: mlp_hidden [64,200] over [200] and tokens [64,32,128] over
//              [128].
// Benchmarks, each at threads:1 and threads:2 (a ThreadPool of that size):
//   BM_DropoutForward    mask from Philox + y = x * m
//   BM_DropoutForwardAtOffset  the same at example_offset 3 (a shard whose
//                        rows start inside the global batch: global indices
//                        from 3 * row, so a padded first and last chunk)
//   BM_DropoutBackward   dX (Vjp wrt 0) = dY * m
//   BM_BatchNormForward  batch statistics, running-statistics update, y
//   BM_BatchNormBackward dX, dGamma and dBeta (three Vjp calls; what
//                        PyTorch's batch-norm backward computes)
//   BM_LayerNormForward / BM_LayerNormBackward: the same for LayerNorm
// "GFLOPS" counts the kernels' arithmetic per element: Dropout 1 (forward
// and backward; Philox's integer work is not counted); BatchNorm forward 8
// (sum; subtract, square, add; subtract twice, multiply, add), backward 17
// (dX 11, dGamma 5, dBeta 1); LayerNorm the same counts. items/s counts
// examples.
//
//   bazel run -c opt //benchmarks:ops_norm
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/batch_norm.h"
#include "ops/dropout.h"
#include "ops/eager.h"
#include "ops/layer_norm.h"

namespace dagrad {
namespace {

struct NormCase {
  const char* name;
  Shape x;
};

const NormCase kDropoutCases[] = {
    {"mlp_hidden", Shape({64, 200})},
    {"lenet_c1", Shape({64, 6, 28, 28})},
};

const NormCase kBatchNormCases[] = {
    {"lenet_c1", Shape({64, 6, 28, 28})},
    {"lenet_f5", Shape({64, 120})},
};

const NormCase kLayerNormCases[] = {
    {"mlp_hidden", Shape({64, 200})},
    {"tokens", Shape({64, 32, 128})},
};

// kForwardAtOffset: Dropout's forward at example_offset kShardOffset.
enum class What { kForward, kForwardAtOffset, kBackward };

constexpr int64_t kShardOffset = 3;

EagerOptions TrainingStep(uint64_t step) {
  EagerOptions options;
  options.training = true;
  options.seed = 42;
  options.step = step;
  return options;
}

void RunDropout(benchmark::State& state, const NormCase& c, What what,
                int threads) {
  ThreadPool pool(threads);
  DropoutAttrs attrs;
  attrs.p = 0.5f;
  Tensor x = RandomFill(c.x, 1);
  std::vector<Tensor*> inputs = {&x};
  auto op = EagerOp::Create(OpKind::kDropout, attrs, {c.x}, &pool);
  if (!op.ok() || !(*op)->Forward(inputs, TrainingStep(0)).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Tensor dy = RandomFill(c.x, 2);
  Tensor dx = Tensor::Zeros(c.x);
  uint64_t step = 0;
  for (auto _ : state) {
    if (what != What::kBackward) {
      // A new mask every iteration, as in training.
      EagerOptions options = TrainingStep(++step);
      if (what == What::kForwardAtOffset) options.example_offset = kShardOffset;
      benchmark::DoNotOptimize((*op)->Forward(inputs, options));
    } else {
      benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
    }
    benchmark::ClobberMemory();
  }
  SetFlopCounters(state, static_cast<double>(c.x.num_elements()), c.x.dim(0));
  state.SetLabel(absl::StrCat("x", c.x.DebugString(), " p 0.5"));
}

// RunNormOp() times a normalization op on x [c.x] and its parameter
// vectors gamma, beta (+ running mean 0, variance 1 for BatchNorm) of shape
// f: the forward, or the VJPs of x, gamma and beta.
void RunNormOp(benchmark::State& state, const NormCase& c, What what,
               int threads, OpKind kind, const OpAttrs& attrs, const Shape& f) {
  ThreadPool pool(threads);
  Tensor x = RandomFill(c.x, 1);
  Tensor gamma = RandomFill(f, 2, 0.5f, 1.5f);
  Tensor beta = RandomFill(f, 3);
  Tensor mean = Tensor::Zeros(f);
  Tensor var = Tensor::Zeros(f);
  var.Fill(1.0f);
  std::vector<Tensor*> inputs = {&x, &gamma, &beta};
  if (kind == OpKind::kBatchNorm) inputs = {&x, &gamma, &beta, &mean, &var};
  std::vector<Shape> shapes;
  for (const Tensor* t : inputs) shapes.push_back(t->shape());
  auto op = EagerOp::Create(kind, attrs, shapes, &pool);
  if (!op.ok() || !(*op)->Forward(inputs, TrainingStep(0)).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Tensor dy = RandomFill(c.x, 4);
  Tensor grads[3] = {Tensor::Zeros(c.x), Tensor::Zeros(f), Tensor::Zeros(f)};
  for (auto _ : state) {
    if (what == What::kForward) {
      benchmark::DoNotOptimize((*op)->Forward(inputs, TrainingStep(0)));
    } else {
      for (int k = 0; k < 3; ++k) {  // x, gamma, beta in both ops.
        benchmark::DoNotOptimize((*op)->Vjp(k, dy, &grads[k]));
      }
    }
    benchmark::ClobberMemory();
  }
  const double per_element = what == What::kForward ? 8.0 : 17.0;
  SetFlopCounters(state, per_element * c.x.num_elements(), c.x.dim(0));
  state.SetLabel(absl::StrCat("x", c.x.DebugString()));
}

void RunBatchNorm(benchmark::State& state, const NormCase& c, What what,
                  int threads) {
  RunNormOp(state, c, what, threads, OpKind::kBatchNorm, BatchNormAttrs{},
            Shape({c.x.dim(1)}));
}

void RunLayerNorm(benchmark::State& state, const NormCase& c, What what,
                  int threads) {
  RunNormOp(state, c, what, threads, OpKind::kLayerNorm, LayerNormAttrs{},
            Shape({c.x.dim(-1)}));
}

const bool kRegistered = [] {
  using Runner = void (*)(benchmark::State&, const NormCase&, What, int);
  struct Kind {
    const char* name;
    Runner run;
    What what;
    const NormCase* cases;
    int num_cases;
  };
  const Kind kinds[] = {
      {"BM_DropoutForward", RunDropout, What::kForward, kDropoutCases, 2},
      {"BM_DropoutForwardAtOffset", RunDropout, What::kForwardAtOffset,
       kDropoutCases, 2},
      {"BM_DropoutBackward", RunDropout, What::kBackward, kDropoutCases, 2},
      {"BM_BatchNormForward", RunBatchNorm, What::kForward, kBatchNormCases, 2},
      {"BM_BatchNormBackward", RunBatchNorm, What::kBackward, kBatchNormCases,
       2},
      {"BM_LayerNormForward", RunLayerNorm, What::kForward, kLayerNormCases, 2},
      {"BM_LayerNormBackward", RunLayerNorm, What::kBackward, kLayerNormCases,
       2},
  };
  for (const Kind& kind : kinds) {
    for (int i = 0; i < kind.num_cases; ++i) {
      const NormCase& c = kind.cases[i];
      for (int threads : {1, 2}) {
        benchmark::RegisterBenchmark(
            absl::StrCat(kind.name, "/", c.name, "/threads:", threads).c_str(),
            [&c, run = kind.run, what = kind.what, threads](
                benchmark::State& state) { run(state, c, what, threads); });
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace dagrad
