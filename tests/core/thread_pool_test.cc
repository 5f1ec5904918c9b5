#include "core/thread_pool.h"

#include <atomic>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace dagrad {
namespace {

TEST(ThreadPoolTest, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.num_threads(), threads);
    for (int64_t n : {0, 1, 2, 5, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelFor(n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
    }
  }
}

TEST(ThreadPoolTest, ManyBackToBackLoops) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  for (int iter = 0; iter < 20000; ++iter) {
    pool.ParallelFor(4, [&](int64_t begin, int64_t end) {
      total.fetch_add(end - begin);
    });
  }
  EXPECT_EQ(total.load(), 80000);
}

TEST(ThreadPoolTest, MinBlockLimitsSplitting) {
  ThreadPool pool(2);
  std::atomic<int> calls{0};
  pool.ParallelFor(10, [&](int64_t, int64_t) { calls.fetch_add(1); },
                   /*min_block=*/100);
  EXPECT_EQ(calls.load(), 1);
}

TEST(ThreadPoolTest, NestedLoopsRunInline) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> hits(16);
  pool.ParallelFor(4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      pool.ParallelFor(4, [&](int64_t b2, int64_t e2) {
        for (int64_t j = b2; j < e2; ++j) hits[i * 4 + j].fetch_add(1);
      });
    }
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPoolTest, WorkersWakeAfterSleeping) {
  ThreadPool pool(2);
  std::atomic<int> count{0};
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    pool.ParallelFor(2, [&](int64_t begin, int64_t end) {
      count.fetch_add(static_cast<int>(end - begin));
    });
  }
  EXPECT_EQ(count.load(), 6);
}

}  // namespace
}  // namespace dagrad
