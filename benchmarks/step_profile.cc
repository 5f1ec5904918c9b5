// benchmarks/step_profile.cc: where a training step's time goes, node by
// node. Trains one example model on fixed random data (as
// //benchmarks:train_step does) with the executor's profiling on and prints
// the slowest nodes (graph/profile.h) and the rest of the step (feeding and
// the optimizer). A second table gives each of those nodes' GFLOP/s and
// share of the one-thread FMA peak (ops/cpu/fma_probe.h, times the thread
// count) on the FLOPs its op defines: 2*M*N*K for a MatMul and for each of
// its VJPs, 2*N*C_out*OH*OW*(C_in/groups)*KH*KW for a Conv2D and for its
// VJPs wrt x and w (a fused node, e.g. "MatMul+BiasAdd+Relu", counts its
// producer's). Other nodes are memory-bound: they show GB/s of their
// inputs and output (each read or written once) instead. The times are
// wall-clock: take them on a quiet machine.
//
// --passes=false profiles the graph as built (every graph pass off); the
// profile's first line names what each pass did.
//
//   bazel run -c opt //benchmarks:step_profile -- --model=lenet5 --threads=2
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/train_workloads.h"
#include "core/gemm.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "graph/profile.h"
#include "ops/conv2d.h"
#include "ops/cpu/direct_conv16.h"
#include "ops/cpu/fma_probe.h"
#include "ops/fused_activation.h"
#include "ops/mat_mul.h"
#include "train/sequential.h"

ABSL_FLAG(std::string, model, "lenet5", "lenet5, mlp100 or mlp200_rmsprop");
ABSL_FLAG(int, threads, 1, "executor threads");
ABSL_FLAG(int, steps, 300, "profiled training steps (after 20 warm-up steps)");
ABSL_FLAG(int, rows, 25, "nodes to list");
ABSL_FLAG(bool, passes, true, "run the graph passes (graph/passes/)");
ABSL_FLAG(int, reduction_shards, 0,
          "gradient shards per step, one executor pass each "
          "(train/gradient_shards.h; 0: the default)");

namespace dagrad {
namespace {

// NodeFlops() is the FLOPs `node` performs by its op's definition (see the
// file comment), or 0 for a memory-bound node.
double NodeFlops(const Graph& graph, const Executor& executor, NodeId id) {
  const Node& node = graph.node(id);
  if (node.type != NodeType::kOp && node.type != NodeType::kVjp) return 0.0;
  const NodeId fwd_id = node.type == NodeType::kVjp ? node.forward : id;
  const Node& fwd = graph.node(fwd_id);
  if (fwd.def == nullptr || node.reverse) return 0.0;
  const Shape& out = executor.shape(fwd_id);
  // A fused node (graph/passes/activation_fusion.h) counts its producer's
  // FLOPs; its inputs are the producer's, then the bias.
  OpKind kind = fwd.def->kind;
  const OpAttrs* op_attrs = &fwd.attrs;
  if (kind == OpKind::kFusedActivation) {
    const auto& fused = AttrsAs<FusedActivationAttrs>(fwd.attrs);
    kind = fused.producer;
    op_attrs = &fused.producer_attrs;
  }
  if (kind == OpKind::kMatMul) {
    if (node.type == NodeType::kVjp && node.wrt > 1) return 0.0;
    const auto& attrs = AttrsAs<MatMulAttrs>(*op_attrs);
    const Shape& a = executor.shape(fwd.inputs[0]);
    const double k = static_cast<double>(a.dim(attrs.transpose_a ? 0 : 1));
    return 2.0 * static_cast<double>(out.num_elements()) * k;
  }
  if (kind == OpKind::kConv2D) {
    if (node.type == NodeType::kVjp && node.wrt > 1) return 0.0;  // dBias.
    const Shape& w = executor.shape(fwd.inputs[1]);
    const double per_output =
        static_cast<double>(w.num_elements()) / static_cast<double>(w.dim(0));
    return 2.0 * static_cast<double>(out.num_elements()) * per_output;
  }
  return 0.0;
}

// NodeBytes() is the bytes of a node's inputs and output.
double NodeBytes(const Graph& graph, const Executor& executor, NodeId id) {
  double floats = static_cast<double>(executor.shape(id).num_elements());
  for (NodeId in : graph.node(id).inputs) {
    floats += static_cast<double>(executor.shape(in).num_elements());
  }
  return 4.0 * floats;
}

// PrintRates() prints the `rows` slowest nodes' rates against the FMA peak
// of `threads` threads, and the step's total over its conv and MatMul
// nodes.
void PrintRates(const Graph& graph, const Executor& executor,
                absl::Span<const NodeTime> times, int rows, int threads,
                double step_us) {
  const double peak = FmaPeakGflops() * threads;
  auto us_of = [](const NodeTime& t) {
    return t.runs > 0 ? static_cast<double>(t.nanos) / 1e3 / t.runs : 0.0;
  };
  std::vector<const NodeTime*> order;
  for (const NodeTime& t : times) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(),
                   [&](const NodeTime* a, const NodeTime* b) {
                     return us_of(*a) > us_of(*b);
                   });
  std::printf(
      "FMA peak %.1f GFLOP/s per thread (%d pipe(s), probed), x%d threads = "
      "%.1f; conv dW16 blocking %s; GEMM LIBXSMM / oneDNN (core/gemm.h)\n",
      FmaPeakGflops(), FmaPipes(), threads, peak,
      Wgrad16BlockingName(ChosenWgrad16Blocking()));
  std::printf("%10s %9s %7s %8s  %-24s %s\n", "us/run", "GFLOP/s", "%peak",
              "GB/s", "op", "node");
  double flops_total = 0.0, flop_us = 0.0;
  for (size_t r = 0; r < order.size(); ++r) {
    const NodeTime& t = *order[r];
    const double us = us_of(t);
    const double flops = NodeFlops(graph, executor, t.id);
    if (flops > 0.0) {
      flops_total += flops;
      flop_us += us;
    }
    if (static_cast<int>(r) >= rows || us <= 0.0) continue;
    const Node& node = graph.node(t.id);
    const std::string op = node.def != nullptr
                               ? OpLabel(*node.def, node.attrs) +
                                     (node.type == NodeType::kVjp
                                          ? " vjp" + std::to_string(node.wrt)
                                          : "")
                               : "-";
    if (flops > 0.0) {
      const double gflops = flops / us / 1e3;
      std::printf("%10.1f %9.1f %6.0f%% %8s  %-24s %s\n", us, gflops,
                  peak > 0.0 ? 100.0 * gflops / peak : 0.0, "-", op.c_str(),
                  node.name.c_str());
    } else {
      std::printf("%10.1f %9s %7s %8.1f  %-24s %s\n", us, "-", "-",
                  NodeBytes(graph, executor, t.id) / us / 1e3, op.c_str(),
                  node.name.c_str());
    }
  }
  if (flop_us > 0.0) {
    const double gflops = flops_total / flop_us / 1e3;
    std::printf(
        "conv + MatMul nodes: %.1f MFLOP in %.1f us, %.1f GFLOP/s, %.0f%% of "
        "peak; whole step %.1f GFLOP/s, %.0f%% of peak\n",
        flops_total / 1e6, flop_us, gflops,
        peak > 0.0 ? 100.0 * gflops / peak : 0.0, flops_total / step_us / 1e3,
        peak > 0.0 ? 100.0 * flops_total / step_us / 1e3 / peak : 0.0);
  }
}

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
  FitOptions options = workload->Options(threads);
  options.reduction_shards = absl::GetFlag(FLAGS_reduction_shards);
  const int64_t batch = workload->batch;
  const float lr = workload->lr;
  const RandomBatch data(batch);
  const Tensor& images = data.images;
  const Tensor& labels = data.labels;
  for (int i = 0; i < 20; ++i) {
    RETURN_IF_ERROR(model.TrainStep(images, labels, options, lr).status());
  }
  // A step is `passes` runs of the executor of `rows` (gradient shards):
  // the profile is that executor's, per pass.
  ASSIGN_OR_RETURN(const int64_t rows, model.PassRows(options));
  const int64_t passes = (batch + rows - 1) / rows;
  ASSIGN_OR_RETURN(Executor * executor,
                   model.GetExecutor(ExecutorMode::kTrain, rows, threads));
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
  std::printf("%s, batch %lld as %lld pass(es) of %lld rows, %d thread(s), "
              "%d steps\n",
              name.c_str(), static_cast<long long>(batch),
              static_cast<long long>(passes), static_cast<long long>(rows),
              threads, steps);
  std::printf("planned arena %lld bytes\n",
              static_cast<long long>(executor->plan().peak_bytes));
  std::printf("%s", FormatProfile(*model.graph(), executor->profile(),
                                  absl::GetFlag(FLAGS_rows))
                        .c_str());
  const double pass_us = step_us / passes;
  std::printf(
      "%10.1f us/step in all, %.1f us per pass; %.1f us per pass outside "
      "the graph (feeding, the shard sum, the optimizer)\n",
      step_us, pass_us, pass_us - nodes_us);
  PrintRates(*model.graph(), *executor, executor->profile(),
             absl::GetFlag(FLAGS_rows), threads, pass_us);
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
