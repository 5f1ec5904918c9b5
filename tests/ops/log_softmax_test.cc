#include "ops/log_softmax.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

struct Result {
  Tensor y;
  Tensor dx;
};

// RunOp() runs the forward and the VJP (dL/dy = dy) on `threads` threads.
absl::StatusOr<Result> RunOp(int threads, Tensor& x, const Tensor& dy) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kLogSoftmax, LogSoftmaxAttrs{},
                            {x.shape()}, &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward({&x});
  if (!s.ok()) return s;
  Result r{(*op)->output().Clone(), Tensor::Zeros(x.shape())};
  s = (*op)->Vjp(0, dy, &r.dx);
  if (!s.ok()) return s;
  return r;
}

// ReferenceLogSoftmax() is log softmax over rows of c, in double.
std::vector<double> ReferenceLogSoftmax(const Tensor& x, int64_t c) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < x.size() / c; ++r) {
    double m = -INFINITY;
    for (int64_t i = 0; i < c; ++i) m = std::max(m, double{x[r * c + i]});
    double s = 0;
    for (int64_t i = 0; i < c; ++i) s += std::exp(x[r * c + i] - m);
    for (int64_t i = 0; i < c; ++i) {
      y[r * c + i] = x[r * c + i] - m - std::log(s);
    }
  }
  return y;
}

TEST(LogSoftmaxTest, ForwardAndVjpMatchNaiveReference) {
  for (const Shape& shape :
       {Shape({1}), Shape({5}), Shape({3, 7}), Shape({2, 3, 4}),
        Shape({4, 33})}) {
    Tensor x = RandomTensor(shape, /*seed=*/7, -5.0f, 5.0f);
    Tensor dy = RandomTensor(shape, /*seed=*/8);
    auto got = RunOp(1, x, dy);
    ASSERT_TRUE(got.ok()) << got.status();
    const int64_t c = shape.dim(-1);
    std::vector<double> y = ReferenceLogSoftmax(x, c);
    for (int64_t r = 0; r < x.size() / c; ++r) {
      double sum = 0;
      for (int64_t i = 0; i < c; ++i) sum += dy[r * c + i];
      for (int64_t i = 0; i < c; ++i) {
        const int64_t k = r * c + i;
        EXPECT_NEAR(got->y[k], y[k], 2e-6 * std::fabs(y[k]) + 1e-6)
            << shape.DebugString() << " " << k;
        EXPECT_NEAR(got->dx[k], dy[k] - std::exp(y[k]) * sum, 2e-6)
            << shape.DebugString() << " " << k;
      }
    }
  }
}

TEST(LogSoftmaxTest, GradientMatchesNumeric) {
  for (const Shape& shape :
       {Shape({7}), Shape({4, 9}), Shape({2, 3, 5}), Shape({3, 1})}) {
    Tensor x = RandomTensor(shape, /*seed=*/11, -3.0f, 3.0f);
    GradientCheckOptions options;
    options.epsilon = 1e-2;
    options.rtol = 1e-2;
    options.atol = 1e-4;
    auto result = CheckGradients(OpKind::kLogSoftmax, LogSoftmaxAttrs{},
                                 {&x}, options);
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

TEST(LogSoftmaxTest, StableForLargeLogits) {
  Tensor x = Tensor::FromValues(Shape({3, 3}), {1000, -1000, 0,     //
                                                1000, 1000, -1000,  //
                                                -1000, -1000, -1000});
  Tensor dy = RandomTensor(x.shape(), /*seed=*/3);
  auto got = RunOp(1, x, dy);
  ASSERT_TRUE(got.ok()) << got.status();
  const float ln2 = std::log(2.0f);
  const float ln3 = std::log(3.0f);
  const float want[] = {0, -2000, -1000,        //
                        -ln2, -ln2, -2000 - ln2,  //
                        -ln3, -ln3, -ln3};
  for (int i = 0; i < 9; ++i) {
    EXPECT_NEAR(got->y[i], want[i], 1e-6 * std::fabs(want[i]) + 1e-6) << i;
    EXPECT_TRUE(std::isfinite(got->dx[i])) << i;
    EXPECT_LE(got->y[i], 0.0f) << i;
  }
}

TEST(LogSoftmaxTest, NonFiniteRowsGiveNaN) {
  Tensor x = Tensor::FromValues(Shape({3, 2}), {NAN, 1, INFINITY, 1,  //
                                                -INFINITY, -INFINITY});
  Tensor dy = Tensor::FromValues(Shape({3, 2}), {1, 2, 3, 4, 5, 6});
  auto got = RunOp(1, x, dy);
  ASSERT_TRUE(got.ok()) << got.status();
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(std::isnan(got->y[i])) << i;
    EXPECT_TRUE(std::isnan(got->dx[i])) << i;
  }
}

TEST(LogSoftmaxTest, MinusInfinityBesideFiniteLogitsIsExact) {
  Tensor x = Tensor::FromValues(Shape({1, 3}), {0, -INFINITY, 0});
  Tensor dy = Tensor::FromValues(Shape({1, 3}), {1, 2, 3});
  auto got = RunOp(1, x, dy);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FLOAT_EQ(got->y[0], -std::log(2.0f));
  EXPECT_EQ(got->y[1], -INFINITY);
  EXPECT_FLOAT_EQ(got->dx[0], 1 - 0.5f * 6);
  EXPECT_EQ(got->dx[1], 2.0f);  // softmax = 0 there.
  EXPECT_FLOAT_EQ(got->dx[2], 3 - 0.5f * 6);
}

// ExpectShapeError() requires InvalidArgument naming LogSoftmax, the input
// shape and `part`.
void ExpectShapeError(const Shape& input, const std::string& part) {
  auto out = LogSoftmaxShape({input}, LogSoftmaxAttrs{});
  ASSERT_FALSE(out.ok()) << input.DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("LogSoftmax: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + input.DebugString()), std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(LogSoftmaxTest, ShapeErrors) {
  ExpectShapeError(Shape(), "rank >= 1");
  ExpectShapeError(Shape({3, 0}), "last axis");
  ExpectShapeError(Shape({3, Shape::kUnknownDim}), "last axis");
}

TEST(LogSoftmaxTest, OneAndTwoThreadsAgreeBitwise) {
  // 40000 elements: rows split over both threads.
  Tensor x = RandomTensor(Shape({4000, 10}), /*seed=*/21, -6.0f, 6.0f);
  Tensor dy = RandomTensor(x.shape(), /*seed=*/22);
  auto one = RunOp(1, x, dy);
  auto two = RunOp(2, x, dy);
  ASSERT_TRUE(one.ok() && two.ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(one->y[i], two->y[i]) << i;
    ASSERT_EQ(one->dx[i], two->dx[i]) << i;
  }
}

}  // namespace
}  // namespace dagrad
