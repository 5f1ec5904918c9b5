// benchmarks/train_step_bench.cc: one full training step (forward, reverse
// pass, optimizer update) of the example models, as
// tools/pytorch_reference/bench.py times PyTorch's:
//   BM_TrainStep/lenet5/threads:T          LeNet-5, batch 64, momentum 0.9
//   BM_TrainStep/mlp100/threads:T          784-100-10 ReLU, batch 100, SGD
//   BM_TrainStep/mlp200_rmsprop/threads:T  784-200-10 ReLU, batch 64, RMSProp
// on fixed random images in [0, 1) and labels, at T = 1 and 2 threads (the
// model's executor runs a ThreadPool of that size). items/s counts images.
//
//   bazel run -c opt //benchmarks:train_step
#include <cstdint>
#include <functional>
#include <memory>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/tensor.h"
#include "train/model_zoo.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

void RunStep(benchmark::State& state, const std::function<void(Sequential*)>& build,
             int64_t batch, const char* optimizer, float lr, int threads) {
  Sequential model(Shape({1, 28, 28}), /*seed=*/0);
  build(&model);
  const RandomBatch data(batch);
  const Tensor& images = data.images;
  const Tensor& labels = data.labels;
  FitOptions options;
  options.optimizer = optimizer;
  options.optimizer_options.momentum = 0.9f;
  options.num_threads = threads;
  absl::StatusOr<StepResult> warm = model.TrainStep(images, labels, options, lr);
  if (!warm.ok()) {
    state.SkipWithError(std::string(warm.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<StepResult> r = model.TrainStep(images, labels, options, lr);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_TrainStepLenet5(benchmark::State& state) {
  RunStep(state, AddLeNet5, 64, "momentum", 0.01f,
          static_cast<int>(state.range(0)));
}
void BM_TrainStepMlp100(benchmark::State& state) {
  RunStep(state, [](Sequential* m) { AddMlp(m, 100, Activation::kRelu); }, 100, "sgd", 0.1f,
          static_cast<int>(state.range(0)));
}
void BM_TrainStepMlp200(benchmark::State& state) {
  RunStep(state, [](Sequential* m) { AddMlp(m, 200, Activation::kRelu); }, 64, "rmsprop",
          0.01f, static_cast<int>(state.range(0)));
}

BENCHMARK(BM_TrainStepLenet5)
    ->Name("BM_TrainStep/lenet5")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_TrainStepMlp100)
    ->Name("BM_TrainStep/mlp100")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_TrainStepMlp200)
    ->Name("BM_TrainStep/mlp200_rmsprop")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace dagrad
