#include "core/thread_pool.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dagrad {
namespace {

thread_local bool in_parallel_region = false;

inline void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// How long an idle worker spins before it sleeps. Long enough to bridge a
// run of small single-threaded nodes (the dense head of LeNet-5 and its
// gradients, ~50 us): waking a sleeping worker costs more than that (the
// next parallel node measured 66 us instead of 45 us after 50 us spins).
constexpr std::chrono::microseconds kSpinTime(1000);
// How long the caller of ParallelFor() spins for the last blocks before it
// starts yielding its core (to a worker that was descheduled, say).
constexpr std::chrono::microseconds kCallerSpinTime(200);

}  // namespace

int HardwareThreads() {
  static const int threads =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return threads;
}

ThreadPool::ThreadPool(int num_threads)
    : num_threads_(std::min(num_threads, kMaxThreads)),
      oversubscribed_(num_threads_ > HardwareThreads()) {
  assert(num_threads >= 1);
  workers_.reserve(num_threads_ - 1);
  for (int i = 1; i < num_threads_; ++i) {
    pthread_t thread;
    if (pthread_create(&thread, nullptr, &ThreadPool::WorkerMain, this) != 0) {
      break;  // Run with the workers we have (see the header).
    }
    workers_.push_back(thread);
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (pthread_t thread : workers_) pthread_join(thread, nullptr);
}

void* ThreadPool::WorkerMain(void* pool) {
  static_cast<ThreadPool*>(pool)->WorkerLoop();
  return nullptr;
}

void ThreadPool::RunBlocks(uint32_t generation) {
  uint64_t ticket = ticket_.load(std::memory_order_acquire);
  while (true) {
    if (static_cast<uint32_t>(ticket >> 32) != generation) return;
    const int64_t blocks = (ticket >> 16) & 0xFFFF;
    const int64_t b = ticket & 0xFFFF;
    if (b >= blocks) return;
    if (!ticket_.compare_exchange_weak(ticket, ticket + 1,
                                       std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      continue;
    }
    const int64_t n = job_n_;
    (*job_)(n * b / blocks, n * (b + 1) / blocks);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
    ticket = ticket_.load(std::memory_order_acquire);
  }
}

void ThreadPool::WorkerLoop() {
  in_parallel_region = true;
  uint64_t seen = 0;
  while (true) {
    // Spin for new work, then sleep; an oversubscribed pool sleeps at once.
    const auto spin_until =
        std::chrono::steady_clock::now() +
        (oversubscribed_ ? std::chrono::microseconds(0) : kSpinTime);
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen &&
           !stop_.load(std::memory_order_relaxed)) {
      CpuRelax();
      if ((oversubscribed_ || ++spins % 64 == 0) &&
          std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mu_);
        sleepers_.fetch_add(1);
        wake_.wait(lock, [&] {
          return generation_.load(std::memory_order_acquire) != seen ||
                 stop_.load();
        });
        sleepers_.fetch_sub(1);
        break;
      }
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    RunBlocks(static_cast<uint32_t>(seen));
  }
}

void ThreadPool::ParallelFor(int64_t n,
                             absl::FunctionRef<void(int64_t, int64_t)> fn,
                             int64_t min_block) {
  if (n <= 0) return;
  min_block = std::max<int64_t>(min_block, 1);
  int64_t max_blocks = (n + min_block - 1) / min_block;
  int blocks = static_cast<int>(std::min<int64_t>(num_threads_, max_blocks));
  if (blocks <= 1 || in_parallel_region) {
    fn(0, n);
    return;
  }
  blocks = std::min(blocks, 0xFFFF);
  const uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
  job_ = &fn;
  job_n_ = n;
  pending_.store(blocks, std::memory_order_relaxed);
  ticket_.store((generation << 32) | (static_cast<uint64_t>(blocks) << 16),
                std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation_.store(generation, std::memory_order_release);
  }
  if (sleepers_.load() > 0) wake_.notify_all();
  in_parallel_region = true;
  RunBlocks(static_cast<uint32_t>(generation));
  in_parallel_region = false;
  // Wait for the blocks that workers claimed: spin briefly, then yield.
  const auto spin_until =
      std::chrono::steady_clock::now() +
      (oversubscribed_ ? std::chrono::microseconds(0) : kCallerSpinTime);
  int spins = 0;
  while (pending_.load(std::memory_order_acquire) > 0) {
    if ((oversubscribed_ || ++spins % 64 == 0) &&
        std::chrono::steady_clock::now() > spin_until) {
      std::this_thread::yield();
    } else {
      CpuRelax();
    }
  }
  job_ = nullptr;
}

}  // namespace dagrad
