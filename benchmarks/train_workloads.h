// benchmarks/train_workloads.h: the example models' training steps as the
// benchmarks time them (//benchmarks:train_step, //benchmarks:step_profile),
// matching tools/pytorch_reference/bench.py's workloads:
//   lenet5          LeNet-5, batch 64, SGD momentum 0.9, lr 0.01
//   mlp100          784-100-10 ReLU, batch 100, SGD, lr 0.1
//   mlp200_rmsprop  784-200-10 ReLU, batch 64, RMSProp, lr 0.01
// trained on RandomBatch (benchmarks/bench_util.h).
#ifndef DAGRAD_BENCHMARKS_TRAIN_WORKLOADS_H_
#define DAGRAD_BENCHMARKS_TRAIN_WORKLOADS_H_

#include <cstdint>

#include "absl/types/span.h"
#include "train/sequential.h"

namespace dagrad {

struct TrainWorkload {
  const char* name;
  void (*build)(Sequential* model);  // Adds the layers.
  int64_t batch;
  OptimizerKind optimizer;
  float lr;

  // Options() are the FitOptions of one step at `threads` threads.
  FitOptions Options(int threads) const;
};

// TrainWorkloads() lists the three workloads above.
absl::Span<const TrainWorkload> TrainWorkloads();

// FindTrainWorkload() is the workload called `name`, or nullptr.
const TrainWorkload* FindTrainWorkload(const char* name);

}  // namespace dagrad

#endif  // DAGRAD_BENCHMARKS_TRAIN_WORKLOADS_H_
