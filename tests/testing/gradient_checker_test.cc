// The checker library itself: the central-difference core, the kink rule
// (no kinks allowed by default), and the reference Tolerances.
#include "tests/testing/gradient_checker.h"

#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "ops/relu.h"
#include "ops/tanh.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

TEST(CentralDifferenceTest, CubeHasDerivativeThreeXSquaredAndIsRestored) {
  float x = 0.5f;
  auto d = CentralDifferenceAt(&x, 1e-3, [&]() -> absl::StatusOr<double> {
    return static_cast<double>(x) * x * x;
  });
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(x, 0.5f);
  EXPECT_NEAR(d->numeric(), 0.75, 1e-5);
  EXPECT_FALSE(d->NearKink(0.125, 1e-6));
}

TEST(CentralDifferenceTest, AbsoluteValueAtZeroIsAKink) {
  float x = 0.0f;
  auto d = CentralDifferenceAt(&x, 1e-2, [&]() -> absl::StatusOr<double> {
    return std::fabs(static_cast<double>(x));
  });
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->NearKink(0.0, 1e-3));
}

TEST(CentralDifferenceTest, LossErrorIsReturnedAndXRestored) {
  float x = 2.0f;
  auto d = CentralDifferenceAt(&x, 1e-2, []() -> absl::StatusOr<double> {
    return absl::InvalidArgumentError("bad");
  });
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(x, 2.0f);
}

TEST(CheckPointTest, ReportsTheElementAndBothValues) {
  CentralDifference d{/*l_plus=*/1.02, /*l_minus=*/0.98, /*h_plus=*/0.01,
                      /*h_minus=*/0.01};  // Slope 2.
  GradientCheckOptions options;
  GradientCheckResult result;
  EXPECT_TRUE(CheckPoint(2.0, d, 1.0, options, "f", 3, &result).ok());
  absl::Status s = CheckPoint(2.5, d, 1.0, options, "f", 4, &result);
  ASSERT_FALSE(s.ok());
  const std::string message(s.message());
  EXPECT_NE(message.find("f disagrees at element 4"), std::string::npos)
      << message;
  EXPECT_NE(message.find("analytic 2.5"), std::string::npos) << message;
  EXPECT_EQ(result.points_checked, 2);
  EXPECT_NEAR(result.max_abs_numeric, 2.0, 1e-9);
}

TEST(CheckGradientsTest, RefusesPointsAtAKinkByDefault) {
  // Inputs within epsilon of 0 straddle ReLU's kink: with the default
  // allowance of 0 the checker must refuse them rather than report a pass.
  Tensor x = Tensor::FromValues(Shape({4}), {0.001f, -0.001f, 0.002f, -0.002f});
  auto result = CheckGradients(OpKind::kRelu, ReluAttrs{}, {&x});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(std::string(result.status().message()).find("near a kink"),
            std::string::npos)
      << result.status();
  // One point in four at the kink: refused at 0, allowed at 0.25.
  Tensor y = Tensor::FromValues(Shape({4}), {0.001f, 0.5f, -0.5f, 0.7f});
  EXPECT_FALSE(CheckGradients(OpKind::kRelu, ReluAttrs{}, {&y}).ok());
  GradientCheckOptions options;
  options.max_kink_fraction = 0.25;
  auto allowed = CheckGradients(OpKind::kRelu, ReluAttrs{}, {&y}, options);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->points_near_kink, 1);
  EXPECT_EQ(allowed->points_checked, 3);
}

TEST(CheckGradientsTest, SmoothOpChecksEveryPoint) {
  Tensor x = RandomTensor(Shape({3, 4}), /*seed=*/1, -2.0f, 2.0f);
  GradientCheckOptions options;
  options.epsilon = 1e-3;
  auto result = CheckGradients(OpKind::kTanh, TanhAttrs{}, {&x}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->points_checked, 12);
  EXPECT_EQ(result->points_near_kink, 0);
}

TEST(ToleranceTest, Rules) {
  EXPECT_TRUE(Tolerance::Exact().Matches(1.5f, 1.5));
  EXPECT_FALSE(Tolerance::Exact().Matches(1.5f, 1.5 + 1e-12));
  EXPECT_TRUE(Tolerance::Near(0.25, 0.0).Matches(1.0f, 1.125));
  EXPECT_FALSE(Tolerance::Near(0.0, 0.1).Matches(1.0f, 1.125));
  const float one_up = std::nextafter(1.0f, 2.0f);
  const float four_up =
      std::nextafter(std::nextafter(std::nextafter(one_up, 2.0f), 2.0f), 2.0f);
  EXPECT_TRUE(Tolerance::Ulps(4).Matches(four_up, 1.0));
  EXPECT_FALSE(Tolerance::Ulps(3).Matches(four_up, 1.0));
  EXPECT_TRUE(Tolerance::Ulps(1).Matches(-0.0f, std::nextafter(0.0f, 1.0f)));
  EXPECT_TRUE(Tolerance::Accurate(1e-6).Matches(1.0f, 1.0 + 5e-7));
  EXPECT_FALSE(Tolerance::Accurate(1e-6).Matches(1.0f, 1.0 + 2e-6));
  const double tiny = std::numeric_limits<float>::denorm_min();
  EXPECT_TRUE(Tolerance::Accurate(1e-6).Matches(0.0f, tiny));
  EXPECT_FALSE(Tolerance::Accurate(1e-6).Matches(0.0f, 2 * tiny));
  EXPECT_FALSE(Tolerance::Near(1, 1).Matches(std::nanf(""), 0.0));
}

}  // namespace
}  // namespace dagrad
