// tests/dist/communicator_test.cc: runs tests/dist/communicator_worker alone
// and under `mpirun --allow-run-as-root --oversubscribe -np N` (shared
// memory, and TCP on loopback with `--mca btl tcp,self`). Each job has a
// time limit; a job still running then is killed by its process group id.
#include "dist/communicator.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

constexpr double kTimeoutSeconds = 120;

std::string Worker() { return RunfilePath("tests/dist/communicator_worker"); }

// Under --config=asan, the ranks keep every AddressSanitizer check but the
// leak check: Open MPI's components (dlopen'ed plugins) leak at MPI_Finalize
// and are unloaded by then, so their leaks can be neither attributed nor
// suppressed. The plain run above keeps the leak check of dagrad's code.
std::vector<std::string> Mpirun(int ranks, bool tcp) {
  std::vector<std::string> argv = {"mpirun",
                                   "--allow-run-as-root",
                                   "--oversubscribe",
                                   "-np",
                                   absl::StrCat(ranks),
                                   "-x",
                                   "ASAN_OPTIONS=detect_leaks=0"};
  if (tcp) {
    for (const char* a : {"--mca", "btl", "tcp,self"}) argv.push_back(a);
  }
  argv.push_back(Worker());
  return argv;
}

void ExpectAllRanksPass(const Subprocess& job, int ranks,
                        const std::string& transport) {
  ASSERT_FALSE(job.timed_out) << "killed after " << kTimeoutSeconds << " s:\n"
                              << job.output;
  EXPECT_EQ(job.exit_code, 0) << job.output;
  for (int r = 0; r < ranks; ++r) {
    EXPECT_TRUE(absl::StrContains(
        job.output, absl::StrCat("rank ", r, " of ", ranks, " (", transport,
                                 "): all checks passed")))
        << job.output;
  }
}

TEST(CommunicatorTest, LocalCommunicatorIsTheIdentity) {
  LocalCommunicator comm;
  std::vector<float> v = {1.5f, -2.0f};
  ASSERT_TRUE(comm.AllreduceSum(absl::MakeSpan(v)).ok());
  EXPECT_EQ(v, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(comm.Broadcast(absl::MakeSpan(v), 1).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CommunicatorTest, SumInTreeOrderPairsNeighboursFirst) {
  // (2^24 + 1) + (1 + 1): the pair of ones survives, a lone one would not.
  float four[4] = {16777216.0f, 1.0f, 1.0f, 1.0f};
  SumInTreeOrder(four, 4, 1, 1);
  EXPECT_EQ(four[0], 16777218.0f);
  // Three blocks: (b0 + b1) + b2, so the first pair's one is lost.
  float three[3] = {16777216.0f, 1.0f, 1.0f};
  SumInTreeOrder(three, 3, 1, 1);
  EXPECT_EQ(three[0], 16777216.0f);
  float other[3] = {1.0f, 1.0f, 16777216.0f};
  SumInTreeOrder(other, 3, 1, 1);
  EXPECT_EQ(other[0], 16777218.0f);
}

TEST(CommunicatorTest, SumInTreeOrderStridedBlocks) {
  // Two elements per block, blocks 3 floats apart.
  float blocks[9] = {1, 2, -9, 10, 20, -9, 100, 200, -9};
  SumInTreeOrder(blocks, 3, 3, 2);
  EXPECT_EQ(blocks[0], 111.0f);
  EXPECT_EQ(blocks[1], 222.0f);
}

TEST(CommunicatorTest, TreeSplitGivesTheLeftTheLargerHalf) {
  EXPECT_EQ(TreeSplit(0, 2), 1);
  EXPECT_EQ(TreeSplit(0, 3), 2);
  EXPECT_EQ(TreeSplit(4, 8), 6);
  EXPECT_EQ(TreeSplit(3, 8), 6);
}

TEST(CommunicatorTest, PlainRunIsOneLocalProcess) {
  Subprocess job = RunSubprocess({Worker()}, kTimeoutSeconds);
  ExpectAllRanksPass(job, 1, "local");
}

TEST(CommunicatorTest, TwoRanksOverSharedMemory) {
  ExpectAllRanksPass(RunSubprocess(Mpirun(2, false), kTimeoutSeconds), 2,
                     "mpi");
}

TEST(CommunicatorTest, TwoRanksOverTcp) {
  ExpectAllRanksPass(RunSubprocess(Mpirun(2, true), kTimeoutSeconds), 2, "mpi");
}

TEST(CommunicatorTest, FourRanksOversubscribed) {
  ExpectAllRanksPass(RunSubprocess(Mpirun(4, false), kTimeoutSeconds), 4,
                     "mpi");
}

}  // namespace
}  // namespace dagrad
