// Tests of ops/cpu/dropout_mask.h: DropoutMaskAndApply() at any first_index
// gives, for every element i, the mask of DropoutKeepMask() (ops/dropout.h)
// at global index first_index + i, writes nothing outside its n elements,
// and is bitwise the same at 1 and 2 threads and whole or in pieces.
#include "ops/cpu/dropout_mask.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/types/span.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "gtest/gtest.h"
#include "ops/dropout.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

constexpr uint64_t kSeed = 0x0123456789ABCDEFull;
constexpr uint64_t kStep = (uint64_t{1} << 32) + 7;  // Both stream words.
constexpr float kP = 0.4f;
constexpr int64_t kGuard = 8;         // Sentinel floats on each side.
constexpr float kSentinel = -123.0f;  // Never a mask value or x * m here.

struct Output {
  std::vector<float> m;  // kGuard + n + kGuard floats.
  std::vector<float> y;
};

// RunKernel() calls the kernel on `threads` threads for x[0, n) at first_index,
// into buffers with sentinels around the n floats.
Output RunKernel(const Tensor& x, int64_t n, uint64_t first_index,
                 int threads) {
  ThreadPool pool(threads);
  Output out{std::vector<float>(n + 2 * kGuard, kSentinel),
             std::vector<float>(n + 2 * kGuard, kSentinel)};
  DropoutMaskAndApply(&pool, kSeed, kStep, first_index, 1.0f - kP,
                      DropoutScale(kP), x.data(), n, out.m.data() + kGuard,
                      out.y.data() + kGuard);
  return out;
}

TEST(DropoutMaskTest, EveryElementIsTheReferenceAtItsGlobalIndex) {
  const float scale = DropoutScale(kP);
  Tensor x = RandomTensor(Shape({1025}), /*seed=*/3);
  // (1 << 34) + 3: Philox blocks past 2^32 (counter word 1 in use).
  for (uint64_t first :
       {uint64_t{0}, uint64_t{1}, uint64_t{3}, uint64_t{255}, uint64_t{256},
        uint64_t{1000}, (uint64_t{1} << 34) + 3}) {
    for (int64_t n : {1, 5, 256, 300, 1025}) {
      for (int threads : {1, 2}) {
        const Output out = RunKernel(x, n, first, threads);
        for (int64_t g = 0; g < kGuard; ++g) {
          ASSERT_EQ(out.m[g], kSentinel) << first << " " << n << " " << g;
          ASSERT_EQ(out.y[g], kSentinel) << first << " " << n << " " << g;
          ASSERT_EQ(out.m[kGuard + n + g], kSentinel) << first << " " << n;
          ASSERT_EQ(out.y[kGuard + n + g], kSentinel) << first << " " << n;
        }
        for (int64_t i = 0; i < n; ++i) {
          const bool keep = DropoutKeepMask(
              kSeed, kStep, static_cast<int64_t>(first + i), kP);
          const float m = out.m[kGuard + i];
          ASSERT_EQ(m, keep ? scale : 0.0f)
              << "first " << first << " n " << n << " threads " << threads
              << " element " << i;
          ASSERT_EQ(out.y[kGuard + i], x[i] * m)
              << "first " << first << " n " << n << " element " << i;
        }
      }
    }
  }
}

TEST(DropoutMaskTest, PiecesEqualTheWholeAtOneAndTwoThreads) {
  // 300005 elements from global index 1000: hundreds of chunks per thread,
  // a misaligned head and tail. Pieces cut inside and on chunk boundaries.
  const int64_t n = 300005;
  const uint64_t first = 1000;
  Tensor x = RandomTensor(Shape({n}), /*seed=*/5);
  const Output whole = RunKernel(x, n, first, 1);
  const Output two = RunKernel(x, n, first, 2);
  EXPECT_EQ(std::memcmp(whole.m.data(), two.m.data(), whole.m.size() * 4), 0);
  EXPECT_EQ(std::memcmp(whole.y.data(), two.y.data(), whole.y.size() * 4), 0);
  const int64_t cuts[] = {0, 3, 536, 70001, 299999, n};
  for (int threads : {1, 2}) {
    for (size_t k = 0; k + 1 < sizeof(cuts) / sizeof(cuts[0]); ++k) {
      const int64_t a = cuts[k], b = cuts[k + 1];
      Tensor piece = Tensor::FromValues(
          Shape({b - a}), absl::MakeConstSpan(x.data() + a, b - a));
      const Output out = RunKernel(piece, b - a, first + a, threads);
      ASSERT_EQ(std::memcmp(out.m.data() + kGuard, whole.m.data() + kGuard + a,
                            (b - a) * 4),
                0)
          << "[" << a << ", " << b << ") threads " << threads;
      ASSERT_EQ(std::memcmp(out.y.data() + kGuard, whole.y.data() + kGuard + a,
                            (b - a) * 4),
                0)
          << "[" << a << ", " << b << ") threads " << threads;
    }
  }
}

}  // namespace
}  // namespace dagrad
