// tests/train/data_parallel_fit_test.cc: data-parallel training
// (FitOptions::communicator) equals one process on the combined batch. The
// worker (tests/train/data_parallel_fit_worker.cc) prints every step's
// loss, the Fit() epochs and an Evaluate() in hex floats; run under
// `mpirun -np N` its numbers must agree with the plain run within 1e-5
// relative, and two runs with the same N must print the same bits.
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

std::string Worker() {
  return RunfilePath("tests/train/data_parallel_fit_worker");
}

// Job() runs the worker's "steps" mode on `ranks` processes (1: without
// mpirun), passing `args` to it and `extra` to mpirun.
Subprocess Job(int ranks, const std::vector<std::string>& extra = {},
               const std::vector<std::string>& args = {}) {
  std::vector<std::string> worker = {Worker(), "steps"};
  worker.insert(worker.end(), args.begin(), args.end());
  if (ranks == 1) return RunSubprocess(worker, /*timeout_seconds=*/60);
  std::vector<std::string> argv = {"mpirun",
                                   "--allow-run-as-root",
                                   "--oversubscribe",
                                   "-np",
                                   absl::StrCat(ranks),
                                   "-x",
                                   "ASAN_OPTIONS=detect_leaks=0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), worker.begin(), worker.end());
  return RunSubprocess(argv, /*timeout_seconds=*/120);
}

// ExpectClose() compares two printouts token by token: words equal,
// numbers (hex floats) within `relative`.
void ExpectClose(const std::string& want, const std::string& got,
                 double relative) {
  const std::vector<std::string> a =
      absl::StrSplit(want, absl::ByAnyChar(" \n"));
  const std::vector<std::string> b =
      absl::StrSplit(got, absl::ByAnyChar(" \n"));
  ASSERT_EQ(a.size(), b.size()) << want << "\nvs\n" << got;
  int numbers = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    char* end_a = nullptr;
    char* end_b = nullptr;
    const double x = std::strtod(a[i].c_str(), &end_a);
    const double y = std::strtod(b[i].c_str(), &end_b);
    if (a[i].empty() || *end_a != '\0' || *end_b != '\0') {
      EXPECT_EQ(a[i], b[i]) << "token " << i;
      continue;
    }
    ++numbers;
    EXPECT_LE(std::fabs(x - y), relative * std::fabs(x))
        << "token " << i << ": " << x << " vs " << y;
  }
  EXPECT_GE(numbers, 20);  // 6 steps, 2 epochs, an evaluation.
}

TEST(DataParallelFitTest, StepLossesAndEvaluationEqualOneProcess) {
  const Subprocess one = Job(1);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  ASSERT_TRUE(absl::StrContains(one.output, "step 5 loss")) << one.output;
  for (int ranks : {2, 4}) {
    SCOPED_TRACE(absl::StrCat(ranks, " ranks"));
    const Subprocess job = Job(ranks);
    ASSERT_FALSE(job.timed_out) << job.output;
    ASSERT_EQ(job.exit_code, 0) << job.output;
    ExpectClose(one.output, job.output, 1e-5);
  }
}

// ExpectSameBits() checks that both jobs ran to the end and printed the
// same text: every loss, epoch and evaluation, bit for bit.
void ExpectSameBits(const Subprocess& a, const Subprocess& b) {
  ASSERT_FALSE(a.timed_out) << a.output;
  ASSERT_FALSE(b.timed_out) << b.output;
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_EQ(a.output, b.output);
}

// The stretch goal: with the same reduction_shards (default 2), the ranks
// compute the shards one process computes and the allreduce finishes the
// same tree (train/gradient_shards.h), so every step, epoch and the
// evaluation print the same bits.
TEST(DataParallelFitTest, TwoRanksAreBitwiseOneProcess) {
  ExpectSameBits(Job(1), Job(2));
}

// Four ranks cannot split 2 shards: they run 4, one each, and equal one
// process with reduction_shards 4 -- which differs from 2 shards.
TEST(DataParallelFitTest, FourRanksAreBitwiseOneProcessWithFourShards) {
  const Subprocess four_shards = Job(1, {}, {"4"});
  ExpectSameBits(four_shards, Job(4));
  const Subprocess two_shards = Job(1);
  ASSERT_EQ(two_shards.exit_code, 0) << two_shards.output;
  EXPECT_NE(two_shards.output, four_shards.output);
}

// Two ranks over 4 shards sum two each locally: still one process's bits.
TEST(DataParallelFitTest, TwoRanksOfTwoShardsEachAreBitwiseOneProcess) {
  ExpectSameBits(Job(1, {}, {"4"}), Job(2, {}, {"4"}));
}

// Overlapping the gradient sums with the reverse pass changes when they
// start, not what they add.
TEST(DataParallelFitTest, OverlapGivesTheSameBits) {
  ExpectSameBits(Job(2), Job(2, {}, {"0", "0"}));
}

TEST(DataParallelFitTest, RepeatedRunsAreBitwiseEqual) {
  ExpectSameBits(Job(2), Job(2));
}

TEST(DataParallelFitTest, TcpTransportGivesTheSameBits) {
  ExpectSameBits(Job(2), Job(2, {"--mca", "btl", "tcp,self"}));
}

TEST(DataParallelFitTest, GlobalBatchMustDivideOverRanks) {
  std::vector<std::string> argv = {"mpirun",
                                   "--allow-run-as-root",
                                   "--oversubscribe",
                                   "-np",
                                   "4",
                                   "-x",
                                   "ASAN_OPTIONS=detect_leaks=0",
                                   Worker(),
                                   "bad_batch"};
  const Subprocess job = RunSubprocess(argv, /*timeout_seconds=*/120);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_EQ(job.exit_code, 0) << job.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_TRUE(absl::StrContains(
        job.output,
        absl::StrCat("rank ", r,
                     ": INVALID_ARGUMENT: batch_size 30 is the global batch "
                     "and must divide evenly over 4 ranks (28 or 32 would)")))
        << job.output;
  }
}

}  // namespace
}  // namespace dagrad
