#include "core/thread_pool.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
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
    pool.ParallelFor(
        4, [&](int64_t begin, int64_t end) { total.fetch_add(end - begin); });
  }
  EXPECT_EQ(total.load(), 80000);
}

TEST(ThreadPoolTest, MinBlockLimitsSplitting) {
  ThreadPool pool(2);
  std::atomic<int> calls{0};
  pool.ParallelFor(
      10, [&](int64_t, int64_t) { calls.fetch_add(1); },
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

// CoversEachIndexOnce() runs `loops` parallel loops of n and reports whether
// every index was visited exactly once in every loop.
bool CoversEachIndexOnce(ThreadPool& pool, int loops, int64_t n) {
  std::vector<std::atomic<int>> hits(n);
  for (int loop = 0; loop < loops; ++loop) {
    pool.ParallelFor(n, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
    });
  }
  for (auto& h : hits) {
    if (h.load() != loops) return false;
  }
  return true;
}

// A pool far larger than the machine sleeps instead of spinning: many
// back-to-back loops finish (the test's timeout is the hang detector).
TEST(ThreadPoolTest, OversubscribedPoolDoesNotStarveTheMachine) {
  const int threads = 32 * HardwareThreads();
  ThreadPool pool(threads);
  EXPECT_EQ(pool.num_threads(), std::min(threads, kMaxThreads));
  EXPECT_TRUE(pool.oversubscribed());
  EXPECT_TRUE(CoversEachIndexOnce(pool, 2000, 1000));
}

TEST(ThreadPoolTest, ThreadCountIsCappedAtTheMaximum) {
  ThreadPool pool(100000);
  EXPECT_EQ(pool.num_threads(), kMaxThreads);
  EXPECT_TRUE(CoversEachIndexOnce(pool, 10, 4096));
}

TEST(ThreadPoolTest, PoolOfOneIsNotOversubscribed) {
  ThreadPool pool(1);
  EXPECT_FALSE(pool.oversubscribed());
  EXPECT_EQ(pool.workers_started(), 0);
}

// When the system refuses threads (here: an address-space limit too small
// for their stacks), the pool runs with the workers it got, and every loop
// still covers every index. Runs in a child process, which the test ends by
// its id.
TEST(ThreadPoolTest, RefusedWorkersStillRunEveryBlock) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizers reserve the address space this test limits";
#else
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    long pages = 0;
    std::FILE* statm = std::fopen("/proc/self/statm", "r");
    if (statm == nullptr || std::fscanf(statm, "%ld", &pages) != 1) _exit(3);
    std::fclose(statm);
    const rlim_t room = 24 << 20;  // A few 8 MiB stacks at most.
    const rlimit limit = {
        static_cast<rlim_t>(pages) * sysconf(_SC_PAGESIZE) + room,
        RLIM_INFINITY};
    if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(4);
    ThreadPool pool(64);
    if (pool.workers_started() >= 63) _exit(5);  // The limit did not bite.
    _exit(CoversEachIndexOnce(pool, 100, 1000) ? 0 : 6);
  }
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 600 && done == 0; ++i) {
    done = waitpid(child, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (done == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    FAIL() << "the child did not finish in 30 s";
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
#endif
}

}  // namespace
}  // namespace dagrad
