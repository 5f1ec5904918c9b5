// benchmarks/allreduce_bench.cc: AllreduceSum (dist/communicator.h) over
// the gradient sizes of the model zoo, blocking and started-then-waited.
//
// Run alone it measures the one-process communicator (a no-op); under
// mpirun it measures Open MPI, over shared memory or TCP:
//   bazel build -c opt //benchmarks:allreduce
//   mpirun --allow-run-as-root --oversubscribe -np 2 \
//       bazel-bin/benchmarks/allreduce --benchmark_min_time=0
//   mpirun ... --mca btl tcp,self ...   # TCP on loopback
// Every rank must run the same collectives in the same order, so each
// benchmark runs a fixed number of iterations (Google Benchmark would
// otherwise pick a count per rank). Only rank 0 prints.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/types/span.h"
#include "benchmark/benchmark.h"
#include "dist/communicator.h"

namespace dagrad {
namespace {

Communicator* comm = nullptr;

// Floats of gradient per model: the parameter counts the examples print
// (`params=`) for the zoo's LeNet-5 and MLPs, and a model 100 times
// LeNet-5's size.
constexpr int64_t kLeNet5 = 61684;
constexpr int64_t kMlp100 = 79510;
constexpr int64_t kMlp200 = 159010;
constexpr int64_t kLeNet5x100 = 100 * kLeNet5;

void SetBytes(benchmark::State& state, int64_t floats) {
  state.SetBytesProcessed(state.iterations() * floats *
                          static_cast<int64_t>(sizeof(float)));
  state.counters["ranks"] = comm->size();
}

void BM_AllreduceSum(benchmark::State& state) {
  std::vector<float> grads(state.range(0), 1.0f);
  for (auto _ : state) {
    if (!comm->AllreduceSum(absl::MakeSpan(grads)).ok()) {
      state.SkipWithError("AllreduceSum failed");
      break;
    }
  }
  SetBytes(state, state.range(0));
}

void BM_StartThenWait(benchmark::State& state) {
  std::vector<float> grads(state.range(0), 1.0f);
  for (auto _ : state) {
    auto pending = comm->StartAllreduceSum(absl::MakeSpan(grads));
    if (!pending.ok() || !(*pending)->Wait().ok()) {
      state.SkipWithError("StartAllreduceSum failed");
      break;
    }
  }
  SetBytes(state, state.range(0));
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {kLeNet5, kMlp100, kMlp200, kLeNet5x100}) b->Arg(n);
  b->Iterations(200)->Unit(benchmark::kMicrosecond)->UseRealTime();
}
BENCHMARK(BM_AllreduceSum)->Apply(Sizes);
BENCHMARK(BM_StartThenWait)->Apply(Sizes);

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  auto created = dagrad::CreateCommunicator();
  if (!created.ok()) {
    std::fprintf(stderr, "allreduce: %s\n",
                 std::string(created.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<dagrad::Communicator> comm = *std::move(created);
  dagrad::comm = comm.get();
  if (comm->rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) {
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return comm->Barrier().ok() ? 0 : 1;
}
