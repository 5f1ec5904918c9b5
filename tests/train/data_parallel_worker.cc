// tests/train/data_parallel_worker.cc: one rank of a job that checks
// train/data_parallel.h's collectives: SumOverRanks() against the
// rank-order sum, and BroadcastCheckpoint() copying rank 0's checkpoint.
// Run under mpirun by tests/train/data_parallel_test.cc. Prints
// "rank R of N: all checks passed" and exits 0 only if every check held.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/tensor.h"
#include "dist/communicator.h"
#include "io/checkpoint.h"
#include "tests/testing/rank_checks.h"
#include "train/data_parallel.h"

namespace dagrad {
namespace {

Checkpoint RankCheckpoint(int rank) {
  Checkpoint c;
  c.metadata.push_back({"format", absl::StrCat("rank ", rank)});
  c.integers.push_back({"steps_done", 100 + rank});
  c.tensors.push_back(
      {"w", Tensor::FromValues(Shape({3}), {1.0f * rank, 2.5f, -1.0f})});
  return c;
}

int Main() {
  std::unique_ptr<Communicator> created = CreateCommunicatorOrPrint();
  if (created == nullptr) return 1;
  Communicator* comm = created.get();
  const int rank = comm->rank();
  const int ranks = comm->size();
  RankChecks checks("data_parallel_worker", rank, ranks);
  // Values whose sum depends on the order: 1e16 + r + 0.25 * r.
  const std::vector<double> mine = {1e16 * (rank % 2 == 0 ? 1 : -1) + rank,
                                    0.25 * rank, 3.0};
  auto sums = SumOverRanks(comm, mine);
  checks.Check(sums.ok(), "SumOverRanks ok");
  if (sums.ok()) {
    std::vector<double> expected(3, 0.0);
    for (int r = 0; r < ranks; ++r) {
      const std::vector<double> v = {1e16 * (r % 2 == 0 ? 1 : -1) + r, 0.25 * r,
                                     3.0};
      for (int i = 0; i < 3; ++i)
        expected[i] = r == 0 ? v[i] : expected[i] + v[i];
    }
    checks.Check(
        std::memcmp(sums->data(), expected.data(), 3 * sizeof(double)) == 0,
        "SumOverRanks is the rank-order sum");
  }
  Checkpoint ckpt = RankCheckpoint(rank);
  checks.Check(BroadcastCheckpoint(comm, &ckpt).ok(), "BroadcastCheckpoint ok");
  const Checkpoint root = RankCheckpoint(0);
  checks.Check(ckpt.FindMetadata("format") != nullptr &&
                   *ckpt.FindMetadata("format") == "rank 0",
               "metadata is rank 0's");
  checks.Check(ckpt.FindInteger("steps_done") != nullptr &&
                   *ckpt.FindInteger("steps_done") == 100,
               "integers are rank 0's");
  const Tensor* w = ckpt.FindTensor("w");
  checks.Check(
      w != nullptr && w->size() == 3 && (*w)[0] == 0.0f && (*w)[1] == 2.5f,
      "tensors are rank 0's");
  return checks.Finish();
}

}  // namespace
}  // namespace dagrad

int main() { return dagrad::Main(); }
