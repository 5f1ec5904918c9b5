// benchmarks/train_step_bench.cc: one full training step (forward, reverse
// pass, optimizer update) of the example models, as
// tools/pytorch_reference/bench.py times PyTorch's:
//   BM_TrainStep/lenet5/threads:T          LeNet-5, batch 64, momentum 0.9
//   BM_TrainStep/mlp100/threads:T          784-100-10 ReLU, batch 100, SGD
//   BM_TrainStep/mlp200_rmsprop/threads:T  784-200-10 ReLU, batch 64, RMSProp
// on fixed random images in [0, 1) and labels, at T = 1 and 2 threads (the
// model's executor runs a ThreadPool of that size). items/s counts images;
// arena_bytes is the planned peak of the step's arena. BM_TrainStepNoPasses
// is the same step with every graph pass off (graph/passes/pipeline.h),
// for comparing the two in one run; BM_TrainStepOneShard is the step as
// one pass over the batch (FitOptions::reduction_shards = 1) instead of
// the default two shards (train/gradient_shards.h), the price of a run
// that N processes reproduce bit for bit.
//
//   bazel run -c opt //benchmarks:train_step
#include <cstdint>
#include <memory>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/train_workloads.h"
#include "core/tensor.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

void RunStep(benchmark::State& state, const TrainWorkload& workload,
             bool passes, int shards) {
  Sequential model(Shape({1, 28, 28}), /*seed=*/0);
  workload.build(&model);
  if (!passes) (void)model.SetPassOptions(PassOptions::None());
  const RandomBatch data(workload.batch);
  FitOptions options = workload.Options(static_cast<int>(state.range(0)));
  options.reduction_shards = shards;
  absl::StatusOr<StepResult> warm =
      model.TrainStep(data.images, data.labels, options, workload.lr);
  if (!warm.ok()) {
    state.SkipWithError(std::string(warm.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<StepResult> r =
        model.TrainStep(data.images, data.labels, options, workload.lr);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * workload.batch);
  absl::StatusOr<int64_t> rows = model.PassRows(options);
  absl::StatusOr<Executor*> executor =
      model.GetExecutor(ExecutorMode::kTrain, rows.ok() ? *rows : workload.batch,
                        options.num_threads);
  if (executor.ok()) {
    state.counters["arena_bytes"] =
        static_cast<double>((*executor)->plan().peak_bytes);
  }
}

// BM_TrainStep/<workload>/threads:T/real_time, the names compare.py reads.
const bool kRegistered = [] {
  struct Variant {
    const char* prefix;
    bool passes;
    int shards;  // FitOptions::reduction_shards; 0 is the default (2).
  };
  for (const TrainWorkload& w : TrainWorkloads()) {
    for (const Variant v : {Variant{"BM_TrainStep/", true, 0},
                            Variant{"BM_TrainStepNoPasses/", false, 0},
                            Variant{"BM_TrainStepOneShard/", true, 1}}) {
      benchmark::RegisterBenchmark(
          (std::string(v.prefix) + w.name).c_str(),
          [&w, v](benchmark::State& state) {
            RunStep(state, w, v.passes, v.shards);
          })
          ->ArgName("threads")
          ->Arg(1)
          ->Arg(2)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
}  // namespace dagrad
