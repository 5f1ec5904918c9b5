// Tests of the arena planner: no two simultaneously-live buffers overlap,
// disjoint lifetimes share memory, peak <= naive, alignment, unplanned mode.
#include "graph/memory_plan.h"

#include <vector>

#include "core/random.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

void ExpectValid(const MemoryPlan& plan) {
  const int n = static_cast<int>(plan.buffers.size());
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(plan.offsets[i] % 64, 0);
    EXPECT_LE(plan.offsets[i] + plan.buffers[i].bytes, plan.peak_bytes);
    for (int j = i + 1; j < n; ++j) {
      const auto& a = plan.buffers[i];
      const auto& b = plan.buffers[j];
      const bool live_together = a.first <= b.last && b.first <= a.last;
      const bool mem_overlap = plan.offsets[i] < plan.offsets[j] + b.bytes &&
                               plan.offsets[j] < plan.offsets[i] + a.bytes;
      EXPECT_FALSE(live_together && mem_overlap) << i << " " << j;
    }
  }
  EXPECT_LE(plan.peak_bytes, plan.naive_bytes);
}

TEST(MemoryPlanTest, ChainSharesMemory) {
  // A chain: buffer k is live over [k, k+1]. Only two are ever live.
  std::vector<BufferRequest> req;
  for (int k = 0; k < 10; ++k) req.push_back({1000, k, k + 1, "b"});
  MemoryPlan plan = PlanMemory(req, true);
  ExpectValid(plan);
  EXPECT_EQ(plan.naive_bytes, 10 * 1024);
  EXPECT_EQ(plan.peak_bytes, 2 * 1024);
}

TEST(MemoryPlanTest, RandomLifetimesAreValid) {
  Rng rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<BufferRequest> req;
    for (int k = 0; k < 40; ++k) {
      int first = static_cast<int>(rng.UniformInt(30));
      int last = first + static_cast<int>(rng.UniformInt(10));
      req.push_back(
          {static_cast<int64_t>(1 + rng.UniformInt(5000)), first, last, "r"});
    }
    MemoryPlan plan = PlanMemory(req, true);
    ExpectValid(plan);
    EXPECT_LT(plan.peak_bytes, plan.naive_bytes);
    MemoryPlan naive = PlanMemory(req, false);
    ExpectValid(naive);
    EXPECT_EQ(naive.peak_bytes, naive.naive_bytes);
    EXPECT_FALSE(naive.planned);
  }
}

TEST(MemoryPlanTest, OverlappingLifetimesNeverShare) {
  std::vector<BufferRequest> req = {
      {64, 0, 5, "a"}, {64, 5, 6, "b"}, {64, 6, 7, "c"}};
  MemoryPlan plan = PlanMemory(req, true);
  ExpectValid(plan);
  EXPECT_NE(plan.offsets[0], plan.offsets[1]);
  EXPECT_NE(plan.offsets[1], plan.offsets[2]);
  EXPECT_EQ(plan.peak_bytes, 128);  // a and c share.
}

TEST(MemoryPlanTest, InPlaceRequestsShareTheirRootsBuffer) {
  // a -> b (in place on a) -> c (in place on b); d overlaps all of them.
  std::vector<BufferRequest> req = {
      {256, 0, 2, "a"}, {256, 2, 4, "b"}, {256, 4, 6, "c"}, {256, 0, 6, "d"}};
  req[1].share = 0;
  req[2].share = 1;
  MemoryPlan plan = PlanMemory(req, true);
  EXPECT_EQ(plan.in_place, 2);
  EXPECT_EQ(plan.offsets[0], plan.offsets[1]);
  EXPECT_EQ(plan.offsets[1], plan.offsets[2]);
  EXPECT_NE(plan.offsets[0], plan.offsets[3]);
  EXPECT_EQ(plan.buffers[0].last, 6);  // The root lives to c's last use.
  EXPECT_EQ(plan.peak_bytes, 512);
  EXPECT_EQ(plan.naive_bytes, 1024);
  // Without sharing b and c each need their own range while a or d lives.
  std::vector<BufferRequest> separate = req;
  separate[1].share = separate[2].share = -1;
  EXPECT_GT(PlanMemory(separate, true).peak_bytes, plan.peak_bytes);
  // Unplanned mode ignores sharing.
  MemoryPlan naive = PlanMemory(req, false);
  EXPECT_EQ(naive.in_place, 0);
  EXPECT_EQ(naive.peak_bytes, naive.naive_bytes);
}

}  // namespace
}  // namespace dagrad
