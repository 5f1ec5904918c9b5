#include "layers/initializers.h"

#include <cmath>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

TEST(InitializersTest, FansFollowKerasAndPyTorch) {
  EXPECT_EQ(FanIn(Shape({400, 120})), 400);
  EXPECT_EQ(FanOut(Shape({400, 120})), 120);
  EXPECT_EQ(FanIn(Shape({16, 6, 5, 5})), 150);
  EXPECT_EQ(FanOut(Shape({16, 6, 5, 5})), 400);
  EXPECT_EQ(FanIn(Shape({10})), 10);
}

TEST(InitializersTest, GlorotUniformStaysInItsLimitAndFillsIt) {
  Tensor w = Tensor::Zeros(Shape({400, 120}));
  Rng rng(7);
  ASSERT_TRUE(Initializer::GlorotUniform().Fill(&w, &rng).ok());
  const double limit = std::sqrt(6.0 / 520.0);
  double lo = 1, hi = -1, sum_sq = 0;
  for (int64_t i = 0; i < w.size(); ++i) {
    lo = std::min<double>(lo, w[i]);
    hi = std::max<double>(hi, w[i]);
    sum_sq += double{w[i]} * w[i];
  }
  EXPECT_GE(lo, -limit);
  EXPECT_LE(hi, limit);
  EXPECT_LT(lo, -0.95 * limit);
  EXPECT_GT(hi, 0.95 * limit);
  // The variance of U(-a, a) is a^2/3; 48,000 samples pin it within 2%.
  EXPECT_NEAR(sum_sq / w.size(), limit * limit / 3, 0.02 * limit * limit / 3);
}

TEST(InitializersTest, HeNormalHasVarianceTwoOverFanIn) {
  Tensor w = Tensor::Zeros(Shape({16, 6, 5, 5}));
  Rng rng(3);
  ASSERT_TRUE(Initializer::HeNormal().Fill(&w, &rng).ok());
  double sum = 0, sum_sq = 0;
  for (int64_t i = 0; i < w.size(); ++i) {
    sum += w[i];
    sum_sq += double{w[i]} * w[i];
  }
  const double var = sum_sq / w.size() - (sum / w.size()) * (sum / w.size());
  // 2400 samples: the sample variance is within ~3 standard errors (8.7%).
  EXPECT_NEAR(var, 2.0 / 150, 0.09 * 2.0 / 150);
}

TEST(InitializersTest, SameSeedSameValues) {
  Tensor a = Tensor::Zeros(Shape({5, 7}));
  Tensor b = Tensor::Zeros(Shape({5, 7}));
  Rng ra(11), rb(11);
  ASSERT_TRUE(Initializer::Uniform(-0.1f, 0.1f).Fill(&a, &ra).ok());
  ASSERT_TRUE(Initializer::Uniform(-0.1f, 0.1f).Fill(&b, &rb).ok());
  for (int64_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i], b[i]);
    EXPECT_GE(a[i], -0.1f);
    EXPECT_LT(a[i], 0.1f);
  }
}

TEST(InitializersTest, ConstantsAndZeros) {
  Tensor t = Tensor::Zeros(Shape({4}));
  Rng rng(1);
  ASSERT_TRUE(Initializer::Constant(2.5f).Fill(&t, &rng).ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(t[i], 2.5f);
  ASSERT_TRUE(Initializer::Zeros().Fill(&t, &rng).ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(t[i], 0.0f);
}

TEST(InitializersTest, BadSettingsAreErrorsAndLeaveTheTensor) {
  Tensor t = Tensor::FromValues(Shape({2, 3}), {1, 2, 3, 4, 5, 6});
  Rng rng(1);
  absl::Status s = Initializer::Uniform(1.0f, -1.0f).Fill(&t, &rng);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "Uniform(1, -1)")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "[2,3]")) << s;
  EXPECT_FALSE(Initializer::Normal(0.0f, -1.0f).Fill(&t, &rng).ok());
  EXPECT_EQ(t[0], 1.0f);
  EXPECT_EQ(t[5], 6.0f);
}

}  // namespace
}  // namespace dagrad
