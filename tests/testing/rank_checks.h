// tests/testing/rank_checks.h: the bookkeeping of one rank of an mpirun test
// worker (tests/dist/*_worker.cc, tests/train/*_worker.cc): count the checks
// that fail, print each with the rank, and end with the one line the test
// looks for.
//
// Example:
//   ASSIGN_OR_RETURN(std::unique_ptr<Communicator> comm, ...);
//   RankChecks checks("my_worker", comm->rank(), comm->size());
//   checks.Check(sum == expected, "the sum is the rank-order sum");
//   return checks.Finish();  // "my_worker: rank 0 of 2: all checks passed"
#ifndef DAGRAD_TESTS_TESTING_RANK_CHECKS_H_
#define DAGRAD_TESTS_TESTING_RANK_CHECKS_H_

#include <cstdio>
#include <memory>
#include <string>

#include "dist/communicator.h"

namespace dagrad {

class RankChecks {
 public:
  RankChecks(std::string worker, int rank, int size)
      : worker_(std::move(worker)), rank_(rank), size_(size) {}

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Check() counts and prints "rank R: FAILED <what>" unless `ok`.
  void Check(bool ok, const std::string& what) {
    if (ok) return;
    ++failures_;
    std::printf("rank %d: FAILED %s\n", rank_, what.c_str());
  }

  // Finish() prints "<worker>: rank R of N<suffix>: all checks passed" (or
  // "checks FAILED") and returns the exit status: 0 only if every check
  // held.
  int Finish(const std::string& suffix = "") const {
    std::printf("%s: rank %d of %d%s: %s\n", worker_.c_str(), rank_, size_,
                suffix.c_str(),
                failures_ == 0 ? "all checks passed" : "checks FAILED");
    std::fflush(stdout);
    return failures_ == 0 ? 0 : 1;
  }

 private:
  std::string worker_;
  int rank_;
  int size_;
  int failures_ = 0;
};

// CreateCommunicatorOrPrint() is CreateCommunicator(), or nullptr after
// printing "FAILED CreateCommunicator: <status>".
inline std::unique_ptr<Communicator> CreateCommunicatorOrPrint() {
  auto created = CreateCommunicator();
  if (created.ok()) return std::move(*created);
  std::printf("FAILED CreateCommunicator: %s\n",
              created.status().ToString().c_str());
  return nullptr;
}

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TESTING_RANK_CHECKS_H_
