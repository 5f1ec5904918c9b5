// Tests of ops/cpu/reduce.h: the one fixed-order block sum and the axis
// reductions, bitwise equal at 1 and 2 threads and close to a double
// reference.
#include "ops/cpu/reduce.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/random.h"
#include "core/thread_pool.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

std::vector<float> RandomFloats(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = rng.Uniform(-1.0f, 1.0f);
  return v;
}

bool SameBits(double a, double b) {
  return std::memcmp(&a, &b, sizeof(a)) == 0;
}

double Sum(ThreadPool* pool, const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> scratch(
      static_cast<size_t>(FixedBlockSumScratchFloats(n)) + 1);
  const float* xd = x.data();
  return FixedBlockSum(pool, n, scratch.data(),
                       [xd](int64_t i) { return xd[i]; });
}

TEST(FixedBlockSumTest, BitwiseEqualAtOneAndTwoThreadsAndMatchesDouble) {
  ThreadPool one(1), two(2);
  // Sizes around the block (4096) and lane (8) boundaries, and many blocks.
  for (int64_t n : {0, 1, 7, 8, 9, 4095, 4096, 4097, 3 * 4096 + 5, 200003}) {
    const std::vector<float> x = RandomFloats(n, 17 + n);
    const double s1 = Sum(&one, x);
    const double s2 = Sum(&two, x);
    EXPECT_TRUE(SameBits(s1, s2)) << "n = " << n << ": " << s1 << " vs " << s2;
    double reference = 0.0;
    for (float v : x) reference += v;
    EXPECT_NEAR(s1, reference, 1e-9 * (1.0 + static_cast<double>(n)))
        << "n = " << n;
  }
}

TEST(FixedBlockSumTest, BinaryTermMatchesDoubleReference) {
  ThreadPool one(1), two(2);
  const int64_t n = 50001;
  const std::vector<float> a = RandomFloats(n, 1);
  const std::vector<float> b = RandomFloats(n, 2);
  std::vector<float> scratch(
      static_cast<size_t>(FixedBlockSumScratchFloats(n)));
  const float* ad = a.data();
  const float* bd = b.data();
  auto term = [ad, bd](int64_t i) {
    const float d = ad[i] - bd[i];
    return d * d;
  };
  const double s1 = FixedBlockSum(&one, n, scratch.data(), term);
  const double s2 = FixedBlockSum(&two, n, scratch.data(), term);
  EXPECT_TRUE(SameBits(s1, s2)) << s1 << " vs " << s2;
  double reference = 0.0;
  for (int64_t i = 0; i < n; ++i) reference += term(i);
  EXPECT_NEAR(s1, reference, 1e-9 * static_cast<double>(n));
}

TEST(ReduceMiddleTest, MatchesReferenceAndIsBitwiseEqualAcrossThreads) {
  ThreadPool one(1), two(2);
  const int64_t outer = 3, mid = 37, inner = 300;
  const std::vector<float> x = RandomFloats(outer * mid * inner, 5);
  std::vector<float> y1(outer * inner), y2(outer * inner);
  ReduceMiddle(&one, x.data(), outer, mid, inner, 0.5f, y1.data());
  ReduceMiddle(&two, x.data(), outer, mid, inner, 0.5f, y2.data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      double reference = 0.0;
      for (int64_t j = 0; j < mid; ++j) {
        reference += x[(o * mid + j) * inner + i];
      }
      const int64_t k = o * inner + i;
      EXPECT_EQ(y1[k], y2[k]) << "at " << k;
      EXPECT_NEAR(y1[k], 0.5 * reference, 1e-5) << "at " << k;
    }
  }
}

TEST(BroadcastMiddleTest, ScalesAndBroadcasts) {
  ThreadPool two(2);
  const int64_t outer = 2, mid = 3, inner = 5;
  const std::vector<float> x = RandomFloats(outer * inner, 9);
  std::vector<float> y(outer * mid * inner);
  BroadcastMiddle(&two, x.data(), outer, mid, inner, 2.0f, y.data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < mid; ++j) {
      for (int64_t i = 0; i < inner; ++i) {
        EXPECT_EQ(y[(o * mid + j) * inner + i], 2.0f * x[o * inner + i]);
      }
    }
  }
}

}  // namespace
}  // namespace dagrad
