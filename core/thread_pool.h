// core/thread_pool.h: a small fork-join pool for intra-op parallelism.
//
// ThreadPool(n) runs parallel loops on n threads: the caller plus n - 1
// workers started once, in the constructor. A loop is split into contiguous
// blocks; the caller takes part and ParallelFor() returns when every block is
// done. Idle workers spin for up to a millisecond before sleeping, so
// the back-to-back loops of a training step do not pay a wake-up each.
//
// Oversubscription: a pool of more threads than the machine has hardware
// threads never spins (its workers sleep at once and the caller yields while
// it waits), so an oversized pool costs wake-ups, never a starved machine.
// A pool holds at most kMaxThreads threads. If the system refuses to start a
// worker, the pool runs with the workers it has: every block is still run
// (the caller takes what no worker claims), and results are the same.
//
// Determinism: the block boundaries depend on the thread count. Kernels must
// compute each output element the same way whatever block it falls in (no
// reductions whose order follows the blocks); then results are bitwise equal
// at any thread count.
//
// Thread safety: one ParallelFor() at a time per pool. A ParallelFor() called
// from inside a block runs inline on that thread. ParallelFor() allocates
// nothing.
//
// Example:
//   ThreadPool pool(2);
//   pool.ParallelFor(batch, [&](int64_t begin, int64_t end) {
//     for (int64_t i = begin; i < end; ++i) ProcessImage(i);
//   });
#ifndef DAGRAD_CORE_THREAD_POOL_H_
#define DAGRAD_CORE_THREAD_POOL_H_

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/functional/function_ref.h"

namespace dagrad {

// kMaxThreads bounds a pool's threads; more would only add wake-ups.
inline constexpr int kMaxThreads = 256;

// HardwareThreads() is the number of hardware threads, at least 1.
int HardwareThreads();

class ThreadPool {
 public:
  // ThreadPool(num_threads) requires num_threads >= 1 and runs
  // min(num_threads, kMaxThreads) threads; 1 runs every loop inline on the
  // caller.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }
  // workers_started() is how many of the num_threads() - 1 workers the
  // system let the pool start.
  int workers_started() const { return static_cast<int>(workers_.size()); }
  // oversubscribed() is true when num_threads() exceeds HardwareThreads().
  bool oversubscribed() const { return oversubscribed_; }

  // ParallelFor() calls fn(begin, end) on disjoint ranges covering [0, n), at
  // most num_threads() of them, each at least `min_block` long (except when
  // n is smaller). Returns when all calls have returned.
  void ParallelFor(int64_t n, absl::FunctionRef<void(int64_t, int64_t)> fn,
                   int64_t min_block = 1);

 private:
  static void* WorkerMain(void* pool);
  void WorkerLoop();
  // RunBlocks() claims and runs blocks of loop `generation` until none is
  // left; a worker that wakes late for an old loop finds none.
  void RunBlocks(uint32_t generation);

  const int num_threads_;
  const bool oversubscribed_;
  std::vector<pthread_t> workers_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};

  // The current loop. job_ and job_n_ are written before ticket_ is
  // published and read only by a thread that claimed a block from ticket_.
  const absl::FunctionRef<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  // ticket_ packs generation (bits 32..63), block count (16..31) and the
  // next unclaimed block (0..15).
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> pending_{0};
};

}  // namespace dagrad

#endif  // DAGRAD_CORE_THREAD_POOL_H_
