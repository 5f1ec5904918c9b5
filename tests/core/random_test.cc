#include "core/random.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace dagrad {
namespace {

TEST(RngTest, SameSeedSameSequence) {
  Rng a(42), b(42);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(a.NextU32(), b.NextU32());
}

TEST(RngTest, PhiloxMatchesPublishedKnownAnswers) {
  // Random123's kat_vectors for philox4x32_10.
  using Block = std::array<uint32_t, 4>;
  EXPECT_EQ(Philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(Philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                          {0xffffffff, 0xffffffff}),
            (Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(Philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                          {0xa4093822, 0x299f31d0}),
            (Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(RngTest, SplitMix64MatchesReferenceOutputs) {
  // Vigna's splitmix64.c started at state 0: outputs 0 and 1.
  EXPECT_EQ(SplitMix64(0), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(SplitMix64(kSplitMix64Gamma), 0x6E789E6AA1B965F4ull);
}

TEST(RngTest, PhiloxKeyIsSplitMix64OfTheSeed) {
  const uint64_t k = SplitMix64(1234567);
  EXPECT_EQ(PhiloxKey(1234567),
            (std::array<uint32_t, 2>{static_cast<uint32_t>(k),
                                     static_cast<uint32_t>(k >> 32)}));
}

TEST(RngTest, DifferentSeedsAndStreamsDiffer) {
  Rng a(1), b(2), c(1, 1);
  int equal_ab = 0, equal_ac = 0;
  for (int i = 0; i < 100; ++i) {
    uint32_t x = a.NextU32();
    equal_ab += x == b.NextU32();
    equal_ac += x == c.NextU32();
  }
  EXPECT_LT(equal_ab, 3);
  EXPECT_LT(equal_ac, 3);
}

TEST(RngTest, SeekMatchesSequentialDraws) {
  Rng sequential(7, 3);
  std::vector<uint32_t> draws;
  for (int i = 0; i < 37; ++i) draws.push_back(sequential.NextU32());
  for (int start : {0, 1, 3, 4, 5, 17, 36}) {
    Rng seeker(7, 3);
    seeker.Seek(start);
    for (int i = start; i < 37; ++i) EXPECT_EQ(seeker.NextU32(), draws[i]);
  }
}

TEST(RngTest, UniformMomentsAndRange) {
  Rng rng(123);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    float u = rng.Uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    sum_sq += u * u;
  }
  double mean = sum / n;
  EXPECT_NEAR(mean, 0.5, 0.005);
  EXPECT_NEAR(sum_sq / n - mean * mean, 1.0 / 12, 0.002);
  float v = rng.Uniform(-3.0f, -1.0f);
  EXPECT_GE(v, -3.0f);
  EXPECT_LT(v, -1.0f);
}

TEST(RngTest, NormalMoments) {
  Rng rng(5);
  const int n = 200000;
  double sum = 0, sum_sq = 0, sum_4 = 0;
  for (int i = 0; i < n; ++i) {
    double z = rng.Normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum_sq += z * z;
    sum_4 += z * z * z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.01);
  EXPECT_NEAR(sum_4 / n, 3.0, 0.06);  // Kurtosis of a normal.
  Rng shifted(5);
  EXPECT_FLOAT_EQ(shifted.Normal(2.0f, 3.0f), 2.0f + 3.0f * Rng(5).Normal());
}

TEST(RngTest, NormalUsesFixedDrawsPerSample) {
  Rng a(9);
  a.Normal();
  a.Normal();
  Rng b(9);
  b.Seek(8);
  EXPECT_EQ(a.NextU32(), b.NextU32());
}

TEST(RngTest, BernoulliRate) {
  Rng rng(77);
  const int n = 100000;
  for (float p : {0.0f, 0.1f, 0.5f, 0.9f}) {
    int hits = 0;
    for (int i = 0; i < n; ++i) hits += rng.Bernoulli(p);
    EXPECT_NEAR(static_cast<double>(hits) / n, p, 0.01) << p;
  }
}

TEST(RngTest, UniformIntCoversRange) {
  Rng rng(11);
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 50000; ++i) {
    uint64_t x = rng.UniformInt(10);
    ASSERT_LT(x, 10u);
    ++counts[x];
  }
  for (int c : counts) EXPECT_NEAR(c, 5000, 400);
}

}  // namespace
}  // namespace dagrad
