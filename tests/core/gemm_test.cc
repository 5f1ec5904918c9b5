#include "core/gemm.h"

#include <cmath>
#include <limits>
#include <tuple>

#include "core/random.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

Tensor RandomTensor(const Shape& shape, Rng* rng) {
  Tensor t = Tensor::Zeros(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng->Uniform(-1.0f, 1.0f);
  return t;
}

// Naive reference in double: C = alpha op(A) op(B) + beta C.
Tensor NaiveGemm(bool ta, bool tb, float alpha, const Tensor& a,
                 const Tensor& b, float beta, const Tensor& c) {
  const int64_t m = c.shape().dim(0), n = c.shape().dim(1);
  const int64_t k = ta ? a.shape().dim(0) : a.shape().dim(1);
  Tensor out = c.Clone();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        double x = ta ? a[p * m + i] : a[i * k + p];
        double y = tb ? b[j * k + p] : b[p * n + j];
        acc += x * y;
      }
      out[i * n + j] = static_cast<float>(alpha * acc + beta * c[i * n + j]);
    }
  }
  return out;
}

class GemmTest
    : public ::testing::TestWithParam<std::tuple<bool, bool, int, int, int>> {};

TEST_P(GemmTest, MatchesNaiveReference) {
  const auto [ta, tb, m, n, k] = GetParam();
  Rng rng(m * 10000 + n * 100 + k);
  Tensor a = RandomTensor(ta ? Shape({k, m}) : Shape({m, k}), &rng);
  Tensor b = RandomTensor(tb ? Shape({n, k}) : Shape({k, n}), &rng);
  for (float beta : {0.0f, 0.5f}) {
    Tensor c = RandomTensor(Shape({m, n}), &rng);
    Tensor expected = NaiveGemm(ta, tb, 1.5f, a, b, beta, c);
    ASSERT_TRUE(Gemm(ta, tb, 1.5f, a, b, beta, &c).ok());
    for (int64_t i = 0; i < c.size(); ++i) {
      ASSERT_NEAR(c[i], expected[i], 1e-4 * (1 + std::fabs(expected[i])))
          << "i=" << i << " beta=" << beta;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OddSizesAllTransposes, GemmTest,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Bool(),
                                            ::testing::Values(1, 7, 33),
                                            ::testing::Values(1, 5, 65),
                                            ::testing::Values(1, 3, 129)));

TEST(GemmTest, BetaZeroIgnoresNaNInC) {
  Tensor a = Tensor::FromValues(Shape({1, 2}), {1, 2});
  Tensor b = Tensor::FromValues(Shape({2, 1}), {3, 4});
  Tensor c = Tensor::FromValues(Shape({1, 1}),
                                {std::numeric_limits<float>::quiet_NaN()});
  ASSERT_TRUE(Gemm(false, false, 1.0f, a, b, 0.0f, &c).ok());
  EXPECT_EQ(c[0], 11.0f);
}

TEST(GemmTest, ZeroInnerDimensionScalesC) {
  Tensor a = Tensor::Zeros(Shape({2, 0}));
  Tensor b = Tensor::Zeros(Shape({0, 2}));
  Tensor c = Tensor::FromValues(Shape({2, 2}), {1, 2, 3, 4});
  ASSERT_TRUE(Gemm(false, false, 1.0f, a, b, 2.0f, &c).ok());
  EXPECT_EQ(c[3], 8.0f);
}

TEST(GemmTest, ShapeMismatchIsInvalidArgumentNamingShapes) {
  Tensor a = Tensor::Zeros(Shape({2, 3}));
  Tensor b = Tensor::Zeros(Shape({4, 5}));
  Tensor c = Tensor::Zeros(Shape({2, 5}));
  absl::Status s = Gemm(false, false, 1.0f, a, b, 0.0f, &c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("A[2,3]"), std::string::npos) << s;
  EXPECT_NE(s.message().find("B[4,5]"), std::string::npos) << s;
  Tensor rank3 = Tensor::Zeros(Shape({1, 2, 3}));
  EXPECT_EQ(Gemm(false, false, 1.0f, rank3, b, 0.0f, &c).code(),
            absl::StatusCode::kInvalidArgument);
  Tensor bad_c = Tensor::Zeros(Shape({3, 5}));
  Tensor good_b = Tensor::Zeros(Shape({3, 5}));
  EXPECT_EQ(Gemm(false, false, 1.0f, a, good_b, 0.0f, &bad_c).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(GemmTest, ThreadCountIsOursToSet) {
  EXPECT_EQ(BlasThreads(), 1);  // dagrad's default.
  SetBlasThreads(2);
  EXPECT_EQ(BlasThreads(), 2);
  SetBlasThreads(1);
  EXPECT_EQ(BlasThreads(), 1);
  EXPECT_FALSE(BlasCoreType().empty());
}

}  // namespace
}  // namespace dagrad
