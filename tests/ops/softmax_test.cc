#include "ops/softmax.h"

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
  auto op = EagerOp::Create(OpKind::kSoftmax, SoftmaxAttrs{}, {x.shape()},
                            &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward({&x});
  if (!s.ok()) return s;
  Result r{(*op)->output().Clone(), Tensor::Zeros(x.shape())};
  s = (*op)->Vjp(0, dy, &r.dx);
  if (!s.ok()) return s;
  return r;
}

// ReferenceSoftmax() is softmax over rows of c, in double.
std::vector<double> ReferenceSoftmax(const Tensor& x, int64_t c) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < x.size() / c; ++r) {
    double m = -INFINITY;
    for (int64_t i = 0; i < c; ++i) m = std::max(m, double{x[r * c + i]});
    double s = 0;
    for (int64_t i = 0; i < c; ++i) s += std::exp(x[r * c + i] - m);
    for (int64_t i = 0; i < c; ++i) y[r * c + i] = std::exp(x[r * c + i] - m) / s;
  }
  return y;
}

TEST(SoftmaxTest, ForwardAndVjpMatchNaiveReference) {
  for (const Shape& shape :
       {Shape({1}), Shape({5}), Shape({3, 7}), Shape({2, 3, 4}),
        Shape({4, 33})}) {
    Tensor x = RandomTensor(shape, /*seed=*/7, -5.0f, 5.0f);
    Tensor dy = RandomTensor(shape, /*seed=*/8);
    auto got = RunOp(1, x, dy);
    ASSERT_TRUE(got.ok()) << got.status();
    const int64_t c = shape.dim(-1);
    std::vector<double> y = ReferenceSoftmax(x, c);
    for (int64_t r = 0; r < x.size() / c; ++r) {
      double dot = 0;
      for (int64_t i = 0; i < c; ++i) dot += dy[r * c + i] * y[r * c + i];
      for (int64_t i = 0; i < c; ++i) {
        const int64_t k = r * c + i;
        EXPECT_NEAR(got->y[k], y[k], 1e-6 * y[k] + 1e-9)
            << shape.DebugString() << " " << k;
        EXPECT_NEAR(got->dx[k], y[k] * (dy[k] - dot), 1e-6)
            << shape.DebugString() << " " << k;
      }
    }
  }
}

TEST(SoftmaxTest, GradientMatchesNumeric) {
  for (const Shape& shape :
       {Shape({7}), Shape({4, 9}), Shape({2, 3, 5}), Shape({3, 1})}) {
    Tensor x = RandomTensor(shape, /*seed=*/11, -3.0f, 3.0f);
    GradientCheckOptions options;
    options.epsilon = 1e-2;
    options.rtol = 1e-2;
    options.atol = 1e-4;
    auto result = CheckGradients(OpKind::kSoftmax, SoftmaxAttrs{}, {&x},
                                 options);
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

TEST(SoftmaxTest, StableForLargeLogits) {
  Tensor x = Tensor::FromValues(
      Shape({4, 3}), {1000, -1000, 0,        //
                      1000, 1000, -1000,     //
                      -1000, -1000, -1000,   //
                      -1000, -999, -1000});
  Tensor dy = RandomTensor(x.shape(), /*seed=*/3);
  auto got = RunOp(1, x, dy);
  ASSERT_TRUE(got.ok()) << got.status();
  const float want[] = {1, 0, 0,                  //
                        0.5f, 0.5f, 0,            //
                        1 / 3.0f, 1 / 3.0f, 1 / 3.0f};
  for (int i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(got->y[i], want[i]) << i;
  const double e = std::exp(-1.0);
  EXPECT_NEAR(got->y[10], 1 / (1 + 2 * e), 1e-6);
  EXPECT_NEAR(got->y[9], e / (1 + 2 * e), 1e-6);
  for (int i = 0; i < 12; ++i) {
    EXPECT_TRUE(std::isfinite(got->y[i])) << i;
    EXPECT_TRUE(std::isfinite(got->dx[i])) << i;
  }
}

TEST(SoftmaxTest, NonFiniteRowsGiveNaNAndLeaveOtherRowsAlone) {
  Tensor x = Tensor::FromValues(Shape({4, 2}), {NAN, 1, INFINITY, 1,  //
                                                -INFINITY, -INFINITY,  //
                                                0, -INFINITY});
  auto y = RunForward(OpKind::kSoftmax, SoftmaxAttrs{}, {&x});
  ASSERT_TRUE(y.ok()) << y.status();
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(std::isnan((*y)[i])) << i;
  EXPECT_EQ((*y)[6], 1.0f);  // A -inf logit beside finite ones is just 0.
  EXPECT_EQ((*y)[7], 0.0f);
}

// ExpectShapeError() requires InvalidArgument naming Softmax, the input
// shape and `part`.
void ExpectShapeError(const Shape& input, const std::string& part) {
  auto out = SoftmaxShape({input}, SoftmaxAttrs{});
  ASSERT_FALSE(out.ok()) << input.DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("Softmax: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + input.DebugString()), std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(SoftmaxTest, ShapeErrors) {
  ExpectShapeError(Shape(), "rank >= 1");
  ExpectShapeError(Shape({3, 0}), "last axis");
  ExpectShapeError(Shape({3, Shape::kUnknownDim}), "last axis");
}

TEST(SoftmaxTest, ShapeKeepsUnknownBatch) {
  auto out = SoftmaxShape({Shape({Shape::kUnknownDim, 10})}, SoftmaxAttrs{});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({Shape::kUnknownDim, 10}));
}

TEST(SoftmaxTest, OneAndTwoThreadsAgreeBitwise) {
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
