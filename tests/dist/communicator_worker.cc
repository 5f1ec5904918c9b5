// tests/dist/communicator_worker.cc: checks every collective of the
// communicator that CreateCommunicator() picks, on every rank, against
// values each rank computes for itself. Run alone (the local communicator)
// or under mpirun; tests/dist/communicator_test.cc launches it. Prints one
// line per failed check and a final line; exits 0 only if every check held
// on this rank.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "dist/communicator.h"
#include "tests/testing/rank_checks.h"

namespace dagrad {
namespace {

// Value() is rank r's element i: magnitudes far apart, so that a sum in
// another order would round differently.
// Never inlined, so every caller gets the same rounding (GCC may contract
// a multiply-add into an FMA in one inlined copy and not in another).
__attribute__((noinline)) float Value(int r, int64_t i) {
  const float big = (r % 2 == 0 ? 1.0f : -1.0f) * std::ldexp(1.0f, 20 + r);
  return big * static_cast<float>((i % 7) + 1) +
         static_cast<float>(r + 1) * 0.1f + static_cast<float>(i) * 1e-3f;
}

// TreeSum() is element i's sum over ranks [lo, hi) in the promised tree
// order: [lo, m) + [m, hi), the left part the larger half.
float TreeSum(int lo, int hi, int64_t i) {
  if (hi - lo == 1) return Value(lo, i);
  const int m = lo + (hi - lo + 1) / 2;
  return TreeSum(lo, m, i) + TreeSum(m, hi, i);
}

std::vector<float> TreeOrderSum(int ranks, int64_t n) {
  std::vector<float> sum(n);
  for (int64_t i = 0; i < n; ++i) sum[i] = TreeSum(0, ranks, i);
  return sum;
}

std::vector<float> Mine(int rank, int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = Value(rank, i);
  return v;
}

bool BitwiseEqual(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() ||
          std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

int Main() {
  std::unique_ptr<Communicator> created = CreateCommunicatorOrPrint();
  if (created == nullptr) return 1;
  Communicator& comm = *created;
  const int rank = comm.rank();
  const int size = comm.size();
  RankChecks checks("communicator_worker", rank, size);
  if (const char* world = std::getenv("OMPI_COMM_WORLD_SIZE")) {
    checks.Check(std::atoi(world) == size, "size matches OMPI_COMM_WORLD_SIZE");
  }
  for (int64_t n : {0, 1, 3, 1000, 100003}) {
    const std::vector<float> expected = TreeOrderSum(size, n);
    std::vector<float> blocking = Mine(rank, n);
    checks.Check(comm.AllreduceSum(absl::MakeSpan(blocking)).ok(),
                 absl::StrCat("AllreduceSum(", n, ") ok"));
    checks.Check(BitwiseEqual(blocking, expected),
                 absl::StrCat("AllreduceSum(", n, ") is the rank-order sum"));
    // Two sums in flight at once, waited for in the other order.
    std::vector<float> a = Mine(rank, n), b = Mine(rank, n);
    absl::StatusOr<std::unique_ptr<PendingSum>> pa =
        comm.StartAllreduceSum(absl::MakeSpan(a));
    absl::StatusOr<std::unique_ptr<PendingSum>> pb =
        comm.StartAllreduceSum(absl::MakeSpan(b));
    checks.Check(pa.ok() && pb.ok(),
                 absl::StrCat("StartAllreduceSum(", n, ")"));
    if (pa.ok() && pb.ok()) {
      checks.Check((*pb)->Wait().ok() && (*pa)->Wait().ok(),
                   absl::StrCat("Wait(", n, ")"));
      checks.Check(
          BitwiseEqual(a, expected) && BitwiseEqual(b, expected),
          absl::StrCat("nonblocking sum(", n, ") is bitwise the blocking"));
    }
  }
  const int root = size - 1;
  std::vector<float> broadcast = Mine(rank, 257);
  checks.Check(comm.Broadcast(absl::MakeSpan(broadcast), root).ok(),
               "Broadcast");
  checks.Check(BitwiseEqual(broadcast, Mine(root, 257)),
               "Broadcast copies the root");
  std::string bytes =
      rank == root ? std::string("only the root knows\0x", 21) : std::string();
  checks.Check(comm.BroadcastBytes(&bytes, root).ok(), "BroadcastBytes");
  checks.Check(bytes == std::string("only the root knows\0x", 21),
               "BroadcastBytes copies the root's bytes");
  absl::StatusOr<std::vector<std::string>> all =
      comm.AllgatherBytes(absl::StrCat("rank-", rank, std::string(rank, 'x')));
  checks.Check(all.ok() && static_cast<int>(all->size()) == size,
               "AllgatherBytes");
  if (all.ok()) {
    for (int r = 0; r < size && r < static_cast<int>(all->size()); ++r) {
      checks.Check((*all)[r] == absl::StrCat("rank-", r, std::string(r, 'x')),
                   absl::StrCat("AllgatherBytes entry ", r));
    }
  }
  const absl::Status bad_root = comm.Broadcast(absl::MakeSpan(broadcast), size);
  checks.Check(
      bad_root.code() == absl::StatusCode::kInvalidArgument &&
          absl::StrContains(bad_root.message(), absl::StrCat("rank ", rank)),
      "a root outside the ranks is InvalidArgument naming the rank");
  checks.Check(comm.Barrier().ok(), "Barrier");
  return checks.Finish(absl::StrCat(" (", comm.name(), ")"));
}

}  // namespace
}  // namespace dagrad

int main() { return dagrad::Main(); }
