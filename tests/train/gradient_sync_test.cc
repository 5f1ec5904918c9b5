// tests/train/gradient_sync_test.cc: train/gradient_sync.h in one process
// (bucket plans, weights, misuse) and under mpirun with 2 and 3 ranks
// (tests/train/gradient_sync_worker.cc), where every gradient must be
// bitwise the rank-order sum whatever the bucket size and Ready() order.
#include "train/gradient_sync.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

constexpr double kTimeoutSeconds = 120;

TEST(GradientSyncTest, BucketsCloseAtTheirSize) {
  LocalCommunicator comm;
  // 16-byte buckets are 4 floats: {3, 2} {4} {1, 1, 1, 1} {9}.
  auto sync = GradientSync::Create(&comm, {3, 2, 4, 1, 1, 1, 1, 9}, 16);
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->num_buckets(), 4);
  const std::vector<int> expected = {0, 0, 1, 2, 2, 2, 2, 3};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(sync->bucket_of(i), expected[i]) << i;
}

TEST(GradientSyncTest, OneRankScalesByItsWeight) {
  LocalCommunicator comm;
  auto sync = GradientSync::Create(&comm, {2, 1}, 4);
  ASSERT_TRUE(sync.ok());
  Tensor a = Tensor::FromValues(Shape({2}), {1.0f, -3.0f});
  Tensor b = Tensor::FromValues(Shape({1}), {8.0f});
  std::vector<Tensor*> grads = {&a, &b};
  ASSERT_TRUE(sync->Begin(0.25f, grads).ok());
  ASSERT_TRUE(sync->Ready(1).ok());
  ASSERT_TRUE(sync->Finish().ok());
  EXPECT_EQ(a[0], 0.25f);
  EXPECT_EQ(a[1], -0.75f);
  EXPECT_EQ(b[0], 2.0f);
}

TEST(GradientSyncTest, MisuseIsAnError) {
  LocalCommunicator comm;
  EXPECT_EQ(GradientSync::Create(&comm, {2}, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto sync = GradientSync::Create(&comm, {2, 1}, 4);
  ASSERT_TRUE(sync.ok());
  Tensor a = Tensor::Zeros(Shape({2}));
  Tensor wrong = Tensor::Zeros(Shape({3}));
  std::vector<Tensor*> bad = {&a, &wrong};
  const absl::Status s = sync->Begin(1, bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "gradient 1 [3]")) << s;
  EXPECT_EQ(sync->Ready(0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sync->Finish().code(), absl::StatusCode::kFailedPrecondition);
  std::vector<Tensor*> two = {&a, &a};
  EXPECT_EQ(sync->Begin(1, two).code(), absl::StatusCode::kInvalidArgument);
  Tensor b = Tensor::Zeros(Shape({1}));
  std::vector<Tensor*> good = {&a, &b};
  ASSERT_TRUE(sync->Begin(1, good).ok());
  EXPECT_EQ(sync->Begin(1, good).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(sync->Ready(0).ok());
  EXPECT_EQ(sync->Ready(0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(sync->Finish().ok());
}

void ExpectRanksPass(int ranks) {
  const Subprocess job =
      RunSubprocess({"mpirun", "--allow-run-as-root", "--oversubscribe", "-np",
                     absl::StrCat(ranks), "-x", "ASAN_OPTIONS=detect_leaks=0",
                     RunfilePath("tests/train/gradient_sync_worker")},
                    kTimeoutSeconds);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_EQ(job.exit_code, 0) << job.output;
  for (int r = 0; r < ranks; ++r) {
    EXPECT_TRUE(absl::StrContains(
        job.output,
        absl::StrCat("rank ", r, " of ", ranks, ": all checks passed")))
        << job.output;
  }
}

TEST(GradientSyncTest, OneProcessWithoutMpirun) {
  const Subprocess job = RunSubprocess(
      {RunfilePath("tests/train/gradient_sync_worker")}, kTimeoutSeconds);
  EXPECT_EQ(job.exit_code, 0) << job.output;
  EXPECT_TRUE(absl::StrContains(job.output, "rank 0 of 1: all checks passed"))
      << job.output;
}

TEST(GradientSyncTest, TwoRanksSumInRankOrder) { ExpectRanksPass(2); }
TEST(GradientSyncTest, ThreeRanksSumInRankOrder) { ExpectRanksPass(3); }

}  // namespace
}  // namespace dagrad
