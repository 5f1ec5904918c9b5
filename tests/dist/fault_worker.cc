// tests/dist/fault_worker.cc: one rank of a job that goes wrong on purpose,
// for tests/dist/consistency_test.cc. argv[1] picks the fault:
//   same_fingerprint  every rank passes the same fingerprint; exit 0.
//   other_fingerprint rank 1 passes another one; every rank should print
//                     the mismatch and exit 1.
//   one_rank_fails    rank 1 cannot read its data; every rank should print
//                     rank 1's error and exit 1.
//   one_rank_leaves   rank 1 fails alone (nothing agreed) while rank 0
//                     waits in a barrier; ExitSoonIfStuck() on the failing
//                     rank should end the job, non-zero, in seconds.
//   rank_killed       rank 1 kills itself with SIGKILL after a few sums
//                     while the others keep summing; mpirun should end
//                     the job (the test times it).
// Prints "rank R: <status>" and exits 0 only on an OK status.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "dist/communicator.h"
#include "dist/consistency.h"

namespace dagrad {
namespace {

absl::Status RunFault(Communicator* comm, const std::string& fault) {
  const int rank = comm->rank();
  if (fault == "same_fingerprint" || fault == "other_fingerprint") {
    std::string fingerprint = "graph lenet5\nbatch_size=32\nlr=0.01";
    if (fault == "other_fingerprint" && rank == 1) {
      fingerprint = "graph lenet5\nbatch_size=64\nlr=0.01";
    }
    return CheckSameOnEveryRank(comm, "model and options", fingerprint);
  }
  if (fault == "one_rank_fails") {
    return AgreeOnStatus(
        comm, rank == 1 ? absl::NotFoundError("cannot read /no/such/data")
                        : absl::OkStatus());
  }
  if (fault == "one_rank_leaves") {
    if (rank == 1) return absl::InternalError("rank 1 leaves alone");
    return comm->Barrier();
  }
  if (fault == "rank_killed") {
    std::vector<float> grads(1 << 16, 1.0f);
    std::printf("rank %d: summing\n", rank);
    std::fflush(stdout);
    for (int step = 0; step < 1000000; ++step) {
      if (rank == 1 && step == 3) raise(SIGKILL);
      absl::Status s = comm->AllreduceSum(absl::MakeSpan(grads));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown fault ", fault));
}

int Main(int argc, char** argv) {
  absl::StatusOr<std::unique_ptr<Communicator>> comm = CreateCommunicator();
  if (!comm.ok()) {
    std::printf("CreateCommunicator: %s\n", comm.status().ToString().c_str());
    return 1;
  }
  const absl::Status s = RunFault(comm->get(), argc > 1 ? argv[1] : "");
  std::printf("rank %d: %s\n", (*comm)->rank(), s.ToString().c_str());
  std::fflush(stdout);
  if (!s.ok()) ExitSoonIfStuck(**comm, 1, /*seconds=*/5);
  return s.ok() ? 0 : 1;
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) { return dagrad::Main(argc, argv); }
