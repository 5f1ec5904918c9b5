// benchmarks/lstm_step_bench.cc: one training step (forward, reverse pass
// through time, Adam update) of examples/lstm.cc's model, Fashion-MNIST
// rows as 28 steps of 28 features: Reshape, LSTM(H), Dense(10), batch 64.
//   BM_LstmTrainStep/units:H/threads:T   H = 64 (the example), 128
// on fixed random images in [0, 1) and labels (bench_util.h RandomBatch).
// items/s counts images; arena_bytes is the planned peak of the step's
// arena.
//
//   bazel run -c opt //benchmarks:lstm_step
#include <cstdint>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "layers/dense.h"
#include "layers/recurrent.h"
#include "layers/reshape.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

constexpr int64_t kBatch = 64;

void BM_LstmTrainStep(benchmark::State& state) {
  Sequential model(Shape({1, 28, 28}), /*seed=*/0);
  model.Add(Reshape({28, 28}));
  model.Add(LSTM(state.range(0)));
  model.Add(Dense(10));
  const RandomBatch data(kBatch);
  FitOptions options;
  options.optimizer = OptimizerKind::kAdam;
  options.num_threads = static_cast<int>(state.range(1));
  constexpr float kLr = 0.004f;
  absl::StatusOr<StepResult> warm =
      model.TrainStep(data.images, data.labels, options, kLr);
  if (!warm.ok()) {
    state.SkipWithError(std::string(warm.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<StepResult> r =
        model.TrainStep(data.images, data.labels, options, kLr);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  absl::StatusOr<Executor*> executor =
      model.GetExecutor(ExecutorMode::kTrain, kBatch, options.num_threads);
  if (executor.ok()) {
    state.counters["arena_bytes"] =
        static_cast<double>((*executor)->plan().peak_bytes);
  }
}
BENCHMARK(BM_LstmTrainStep)
    ->ArgNames({"units", "threads"})
    ->ArgsProduct({{64, 128}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace dagrad
