// benchmarks/step_profile.cc: where a training step's time goes, node by
// node. Trains one example model on fixed random data (as
// //benchmarks:train_step does) with the executor's profiling on and prints
// the slowest nodes (graph/profile.h) and the rest of the step (feeding and
// the optimizer).
//
// --passes=false profiles the graph as built (every graph pass off); the
// profile's first line names what each pass did.
//
//   bazel run -c opt //benchmarks:step_profile -- --model=lenet5 --threads=2
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/train_workloads.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "graph/profile.h"
#include "train/sequential.h"

ABSL_FLAG(std::string, model, "lenet5", "lenet5, mlp100 or mlp200_rmsprop");
ABSL_FLAG(int, threads, 1, "executor threads");
ABSL_FLAG(int, steps, 300, "profiled training steps (after 20 warm-up steps)");
ABSL_FLAG(int, rows, 25, "nodes to list");
ABSL_FLAG(bool, passes, true, "run the graph passes (graph/passes/)");

namespace dagrad {
namespace {

absl::Status Profile() {
  const std::string name = absl::GetFlag(FLAGS_model);
  const int threads = absl::GetFlag(FLAGS_threads);
  const int steps = absl::GetFlag(FLAGS_steps);
  if (threads < 1 || steps < 1) {
    return absl::InvalidArgumentError("--threads and --steps must be >= 1");
  }
  const TrainWorkload* workload = FindTrainWorkload(name.c_str());
  if (workload == nullptr) {
    return absl::InvalidArgumentError("--model: unknown model '" + name + "'");
  }
  Sequential model(Shape({1, 28, 28}), /*seed=*/0);
  workload->build(&model);
  if (!absl::GetFlag(FLAGS_passes)) {
    RETURN_IF_ERROR(model.SetPassOptions(PassOptions::None()));
  }
  const FitOptions options = workload->Options(threads);
  const int64_t batch = workload->batch;
  const float lr = workload->lr;
  const RandomBatch data(batch);
  const Tensor& images = data.images;
  const Tensor& labels = data.labels;
  for (int i = 0; i < 20; ++i) {
    RETURN_IF_ERROR(model.TrainStep(images, labels, options, lr).status());
  }
  ASSIGN_OR_RETURN(Executor * executor,
                   model.GetExecutor(ExecutorMode::kTrain, batch, threads));
  executor->ResetProfile();
  executor->set_profile(true);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) {
    RETURN_IF_ERROR(model.TrainStep(images, labels, options, lr).status());
  }
  const double step_us = std::chrono::duration<double, std::micro>(
                             std::chrono::steady_clock::now() - start)
                             .count() /
                         steps;
  executor->set_profile(false);
  double nodes_us = 0.0;
  for (const NodeTime& t : executor->profile()) {
    nodes_us += t.runs > 0 ? t.nanos / 1e3 / t.runs : 0.0;
  }
  std::printf("%s, batch %lld, %d thread(s), %d steps\n", name.c_str(),
              static_cast<long long>(batch), threads, steps);
  std::printf("planned arena %lld bytes\n",
              static_cast<long long>(executor->plan().peak_bytes));
  std::printf("%s", FormatProfile(*model.graph(), executor->profile(),
                                  absl::GetFlag(FLAGS_rows))
                        .c_str());
  std::printf(
      "%10.1f us/step in all; %.1f us outside the graph (feeding, "
      "optimizer)\n",
      step_us, step_us - nodes_us);
  return absl::OkStatus();
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status s = dagrad::Profile();
  if (!s.ok()) {
    std::fprintf(stderr, "step_profile: %s\n", s.ToString().c_str());
    return 2;
  }
  return 0;
}
