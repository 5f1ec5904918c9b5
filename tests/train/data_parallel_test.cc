// tests/train/data_parallel_test.cc: train/data_parallel.h: shards, the
// global batch check and the graph fingerprint in one process; the
// collectives under mpirun with 2 ranks (tests/train/data_parallel_worker).
#include "train/data_parallel.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/add.h"
#include "ops/mat_mul.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

TEST(DataParallelTest, ShardsCoverTheItemsInRankOrder) {
  for (int64_t total : {0, 1, 7, 64, 65, 100}) {
    for (int ranks : {1, 2, 3, 4}) {
      int64_t next = 0;
      for (int r = 0; r < ranks; ++r) {
        const Shard s = ShardOf(total, r, ranks);
        EXPECT_EQ(s.begin, next) << total << " " << r << "/" << ranks;
        EXPECT_GE(s.count, total / ranks);
        EXPECT_LE(s.count, total / ranks + 1);
        next += s.count;
      }
      EXPECT_EQ(next, total);
    }
  }
  const Shard s = ShardOf(10, 2, 4);  // 3 3 2 2
  EXPECT_EQ(s.begin, 6);
  EXPECT_EQ(s.count, 2);
}

TEST(DataParallelTest, GlobalBatchMustDivideOverRanks) {
  EXPECT_TRUE(CheckGlobalBatch(64, 4).ok());
  EXPECT_TRUE(CheckGlobalBatch(7, 1).ok());
  const absl::Status s = CheckGlobalBatch(30, 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "batch_size 30 is the global batch and must divide evenly over 4 "
            "ranks (28 or 32 would)");
  EXPECT_EQ(CheckGlobalBatch(1, 2).message(),
            "batch_size 1 is the global batch and must divide evenly over 2 "
            "ranks (2 would)");
}

absl::StatusOr<Graph> SmallGraph(int64_t width) {
  GraphBuilder b;
  ASSIGN_OR_RETURN(NodeId x, b.AddInput("x", Shape({Shape::kUnknownDim, 4})));
  ASSIGN_OR_RETURN(NodeId w,
                   b.AddParameter("w", Shape({4, width}), ConstantInit(0.5f)));
  ASSIGN_OR_RETURN(NodeId y, b.AddOp(MatMulAttrs{}, {x, w}));
  ASSIGN_OR_RETURN(NodeId z, b.AddOp(AddAttrs{}, {y, y}));
  (void)z;
  return b.Finalize();
}

TEST(DataParallelTest, FingerprintShowsEveryNodeAndTellsModelsApart) {
  absl::StatusOr<Graph> a = SmallGraph(3), same = SmallGraph(3),
                        wider = SmallGraph(5);
  ASSERT_TRUE(a.ok() && same.ok() && wider.ok()) << a.status();
  const std::string text = GraphFingerprint(*a);
  EXPECT_EQ(text, GraphFingerprint(*same));
  EXPECT_NE(text, GraphFingerprint(*wider));
  EXPECT_TRUE(absl::StrContains(text, "1 parameter - w () [4,3]")) << text;
  EXPECT_TRUE(absl::StrContains(text, "MatMul")) << text;
}

TEST(DataParallelTest, OneRankSumsAndBroadcastsToItself) {
  LocalCommunicator comm;
  auto sums = SumOverRanks(&comm, {1.5, -2.0});
  ASSERT_TRUE(sums.ok());
  EXPECT_EQ(*sums, (std::vector<double>{1.5, -2.0}));
  Checkpoint c;
  c.integers.push_back({"steps_done", 7});
  ASSERT_TRUE(BroadcastCheckpoint(&comm, &c).ok());
  EXPECT_EQ(*c.FindInteger("steps_done"), 7);
}

TEST(DataParallelTest, TwoRanksUnderMpirun) {
  const Subprocess job =
      RunSubprocess({"mpirun", "--allow-run-as-root", "--oversubscribe", "-np",
                     "2", "-x", "ASAN_OPTIONS=detect_leaks=0",
                     RunfilePath("tests/train/data_parallel_worker")},
                    /*timeout_seconds=*/120);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_EQ(job.exit_code, 0) << job.output;
  for (int r : {0, 1}) {
    EXPECT_TRUE(absl::StrContains(
        job.output, absl::StrCat("rank ", r, " of 2: all checks passed")))
        << job.output;
  }
}

}  // namespace
}  // namespace dagrad
