// tests/train/gradient_sync_worker.cc: one rank of a job that averages
// gradients with train/gradient_sync.h and checks the result against the
// rank-order sum it computes itself, for several bucket sizes and orders of
// Ready(). Run alone or under mpirun (tests/train/gradient_sync_test.cc).
// Prints "rank R of N: all checks passed" and exits 0 only if every check
// held.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/tensor.h"
#include "dist/communicator.h"
#include "tests/testing/rank_checks.h"
#include "train/gradient_sync.h"

namespace dagrad {
namespace {

// Value() is rank r's element j of gradient i. Never inlined, so every
// caller rounds alike (see tests/dist/communicator_worker.cc).
__attribute__((noinline)) float Value(int r, int i, int64_t j) {
  return static_cast<float>((r + 1) * 1000003 % 977) * 0.37f +
         static_cast<float>(i) * 0.011f - static_cast<float>(j % 13) * 0.7f;
}

// Weight() is rank r's share of a global batch split 3 : 1 : 1 : ...
__attribute__((noinline)) float Weight(int r, int ranks) {
  const float total = static_cast<float>(ranks + 2);
  return (r == 0 ? 3.0f : 1.0f) / total;
}

// Weighted() is what rank r sends: its value times its weight, rounded
// to float (never fused into the sum below).
__attribute__((noinline)) float Weighted(int r, int ranks, int i, int64_t j) {
  return Value(r, i, j) * Weight(r, ranks);
}

// TreeSum() is the sum of ranks [lo, hi)'s weighted values in the promised
// tree order: [lo, m) + [m, hi), the left part the larger half.
float TreeSum(int lo, int hi, int ranks, int i, int64_t j) {
  if (hi - lo == 1) return Weighted(lo, ranks, i, j);
  const int m = lo + (hi - lo + 1) / 2;
  return TreeSum(lo, m, ranks, i, j) + TreeSum(m, hi, ranks, i, j);
}

int Main() {
  std::unique_ptr<Communicator> created = CreateCommunicatorOrPrint();
  if (created == nullptr) return 1;
  Communicator* comm = created.get();
  const int rank = comm->rank();
  const int ranks = comm->size();
  RankChecks checks("gradient_sync_worker", rank, ranks);
  const std::vector<int64_t> sizes = {10, 3, 0, 7000, 1, 250, 64};
  // The expected sums, in the tree order of the weighted values.
  std::vector<std::vector<float>> expected(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    for (int64_t j = 0; j < sizes[i]; ++j) {
      expected[i].push_back(TreeSum(0, ranks, ranks, i, j));
    }
  }
  for (int64_t bucket_bytes :
       {int64_t{1}, int64_t{64}, int64_t{4096}, int64_t{1} << 30}) {
    auto sync = GradientSync::Create(comm, sizes, bucket_bytes);
    checks.Check(sync.ok(), absl::StrCat("Create(", bucket_bytes, ")"));
    if (!sync.ok()) continue;
    for (int order = 0; order < 2; ++order) {
      std::vector<Tensor> grads;
      std::vector<Tensor*> pointers;
      for (size_t i = 0; i < sizes.size(); ++i) {
        grads.push_back(Tensor::Zeros(Shape({sizes[i]})));
        for (int64_t j = 0; j < sizes[i]; ++j) {
          grads[i][j] = Value(rank, i, j);
        }
      }
      for (Tensor& g : grads) pointers.push_back(&g);
      const std::string what =
          absl::StrCat("bucket_bytes ", bucket_bytes, " order ", order);
      checks.Check(sync->Begin(Weight(rank, ranks), pointers).ok(),
                   "Begin " + what);
      // Order 0 marks gradients ready first to last; order 1 last to
      // first, differently on each rank.
      for (size_t k = 0; k < sizes.size(); ++k) {
        const int i = order == 0 ? static_cast<int>(k)
                                 : static_cast<int>(sizes.size() - 1 - k);
        checks.Check(sync->Ready(i).ok(), "Ready " + what);
      }
      checks.Check(sync->Finish().ok(), "Finish " + what);
      for (size_t i = 0; i < sizes.size(); ++i) {
        checks.Check(
            sizes[i] == 0 || std::memcmp(grads[i].data(), expected[i].data(),
                                         sizes[i] * sizeof(float)) == 0,
            absl::StrCat("gradient ", i, " is the rank-order sum, ", what));
      }
    }
  }
  return checks.Finish();
}

}  // namespace
}  // namespace dagrad

int main() { return dagrad::Main(); }
