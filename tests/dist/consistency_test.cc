// tests/dist/consistency_test.cc: dist/consistency.h alone (one process)
// and under mpirun with 2 ranks, where one rank goes wrong on purpose
// (tests/dist/fault_worker.cc): a mismatched fingerprint and a rank that
// cannot read its data are errors on every rank naming the rank, and a rank
// killed with SIGKILL ends the job, non-zero, within 30 s. Each job has a
// time limit and is killed by its process group id when it runs over.
#include "dist/consistency.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

constexpr double kTimeoutSeconds = 120;

std::vector<std::string> Mpirun(const std::string& fault) {
  // No leak check under --config=asan: see communicator_test.cc.
  return {"mpirun",
          "--allow-run-as-root",
          "--oversubscribe",
          "-np",
          "2",
          "-x",
          "ASAN_OPTIONS=detect_leaks=0",
          RunfilePath("tests/dist/fault_worker"),
          fault};
}

TEST(ConsistencyTest, OneRankAgreesWithItself) {
  LocalCommunicator comm;
  EXPECT_TRUE(CheckSameOnEveryRank(&comm, "options", "a\nb").ok());
  EXPECT_TRUE(AgreeOnStatus(&comm, absl::OkStatus()).ok());
  const absl::Status s = AgreeOnStatus(&comm, absl::NotFoundError("no data"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "rank 0: no data");
}

TEST(ConsistencyTest, SameFingerprintPassesOnTwoRanks) {
  const Subprocess job =
      RunSubprocess(Mpirun("same_fingerprint"), kTimeoutSeconds);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_EQ(job.exit_code, 0) << job.output;
  EXPECT_TRUE(absl::StrContains(job.output, "rank 0: OK")) << job.output;
  EXPECT_TRUE(absl::StrContains(job.output, "rank 1: OK")) << job.output;
}

TEST(ConsistencyTest, MismatchedFingerprintIsAnErrorOnEveryRank) {
  const Subprocess job =
      RunSubprocess(Mpirun("other_fingerprint"), kTimeoutSeconds);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_NE(job.exit_code, 0) << job.output;
  for (int r : {0, 1}) {
    EXPECT_TRUE(absl::StrContains(
        job.output,
        absl::StrCat("rank ", r,
                     ": FAILED_PRECONDITION: model and options differ across "
                     "ranks (rank 1 of 2 differ from rank 0): rank 1 differs "
                     "from rank 0 at line 2: 'batch_size=32' vs "
                     "'batch_size=64'")))
        << job.output;
  }
}

TEST(ConsistencyTest, OneRankFailingStopsEveryRankNamingIt) {
  const Subprocess job =
      RunSubprocess(Mpirun("one_rank_fails"), kTimeoutSeconds);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_NE(job.exit_code, 0) << job.output;
  for (int r : {0, 1}) {
    EXPECT_TRUE(absl::StrContains(
        job.output, absl::StrCat("rank ", r,
                                 ": NOT_FOUND: rank 1: cannot read "
                                 "/no/such/data")))
        << job.output;
  }
}

TEST(ConsistencyTest, RankLeavingAloneEndsTheJobInsteadOfAHang) {
  const Subprocess job =
      RunSubprocess(Mpirun("one_rank_leaves"), kTimeoutSeconds);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_TRUE(absl::StrContains(job.output,
                                "rank 1: INTERNAL: rank 1 leaves alone"))
      << job.output;
  EXPECT_NE(job.exit_code, 0) << job.output;
  EXPECT_LT(job.seconds, 30.0) << job.output;
}

TEST(ConsistencyTest, KilledRankEndsTheJobWithin30Seconds) {
  const Subprocess job = RunSubprocess(Mpirun("rank_killed"), kTimeoutSeconds);
  ASSERT_FALSE(job.timed_out) << job.output;
  // Both ranks were summing when rank 1 died, and mpirun saw it die.
  EXPECT_TRUE(absl::StrContains(job.output, "rank 0: summing")) << job.output;
  EXPECT_TRUE(absl::StrContains(job.output, "rank 1: summing")) << job.output;
  EXPECT_TRUE(absl::StrContains(job.output, "signal 9")) << job.output;
  EXPECT_NE(job.exit_code, 0) << job.output;
  EXPECT_LT(job.seconds, 30.0) << job.output;
}

}  // namespace
}  // namespace dagrad
