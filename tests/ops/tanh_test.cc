#include "ops/tanh.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// ExpectAccurate() requires relative error < 1e-6 where the reference is a
// normal float, and an error of at most one subnormal step below that.
void ExpectAccurate(float x, float got, double want) {
  if (std::fabs(want) >= FLT_MIN) {
    ASSERT_LT(std::fabs(got - want) / std::fabs(want), 1e-6)
        << "x=" << x << " got " << got << " want " << want;
  } else {
    ASSERT_LE(std::fabs(got - want),
              static_cast<double>(std::numeric_limits<float>::denorm_min()))
        << "x=" << x << " got " << got << " want " << want;
  }
}

// Runs forward and VJP on a pool of `threads` threads.
void RunTanh(int threads, Tensor& x, const Tensor& dy, Tensor* y, Tensor* dx) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kTanh, TanhAttrs{}, {x.shape()}, &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  *y = (*op)->output().Clone();
  *dx = Tensor::Zeros(x.shape());
  ASSERT_TRUE((*op)->Vjp(0, dy, dx).ok());
}

TEST(TanhTest, KnownValues) {
  // Forward and VJP values from the op-library issue.
  Tensor x = Tensor::FromValues(Shape({2, 3}),
                                {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f});
  Tensor dy = Tensor::FromValues(Shape({2, 3}), {5, 10, -10, -5, 0, 10});
  Tensor y, dx;
  RunTanh(1, x, dy, &y, &dx);
  const double expected_y[] = {0.09966799, -0.19737532, 0.29131261,
                               -0.37994896, 0.46211716, -0.53704957};
  const double expected_dx[] = {4.95033145, 9.61042983, -9.15136962,
                                -4.27819393, 0, 7.11577763};
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(y[i], expected_y[i], 1e-6 * std::fabs(expected_y[i])) << i;
    EXPECT_NEAR(dx[i], expected_dx[i], 1e-6 * std::fabs(expected_dx[i])) << i;
  }
  EXPECT_EQ(y.shape(), x.shape());
}

TEST(TanhTest, ForwardAndVjpMatchNaiveReference) {
  // Sizes around the 16-float chunk exercise the padded tail.
  for (int64_t n : {1, 15, 16, 17, 33, 1000}) {
    Tensor x = RandomTensor(Shape({n}), /*seed=*/n, -4.0f, 4.0f);
    Tensor dy = RandomTensor(Shape({n}), /*seed=*/n + 100);
    Tensor y, dx;
    RunTanh(1, x, dy, &y, &dx);
    for (int64_t i = 0; i < n; ++i) {
      ExpectAccurate(x[i], y[i], std::tanh(static_cast<double>(x[i])));
      EXPECT_FLOAT_EQ(dx[i], dy[i] * (1.0f - y[i] * y[i])) << i;
    }
  }
  Tensor x = RandomTensor(Shape({3, 5, 7}), /*seed=*/3, -4.0f, 4.0f);
  auto y = RunForward(OpKind::kTanh, TanhAttrs{}, {&x});
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->shape(), x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    ExpectAccurate(x[i], (*y)[i], std::tanh(static_cast<double>(x[i])));
  }
}

TEST(TanhTest, AccurateOverTheWholeFloatLine) {
  // Every 4099th bit pattern (~1M floats, all magnitudes and both signs),
  // plus a dense sweep of [-10, 10] (crossing the 0.625 switch between the
  // polynomial and the exp form) and tiny and huge values.
  std::vector<float> xs;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4099) {
    const uint32_t b = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, sizeof(f));
    if (!std::isnan(f)) xs.push_back(f);
  }
  for (int i = -100000; i <= 100000; ++i) xs.push_back(i * 1e-4f);
  for (float f = 0.6f; f < 0.65f; f = std::nextafter(f, 1.0f)) {
    xs.push_back(f);
    xs.push_back(-f);
  }
  for (float f : {0.625f, -0.625f, 1e-30f, -1e-30f, FLT_MIN, -FLT_MIN,
                  std::numeric_limits<float>::denorm_min(), 9.0f, 44.0f,
                  FLT_MAX, -FLT_MAX, 0.0f}) {
    xs.push_back(f);
  }
  Tensor x = Tensor::FromValues(Shape({static_cast<int64_t>(xs.size())}), xs);
  auto y = RunForward(OpKind::kTanh, TanhAttrs{}, {&x});
  ASSERT_TRUE(y.ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    ExpectAccurate(x[i], (*y)[i], std::tanh(static_cast<double>(x[i])));
    if (HasFatalFailure()) return;  // One report, not a million.
  }
}

TEST(TanhTest, StableAtExtremes) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = Tensor::FromValues(Shape({7}),
                                {1000.0f, -1000.0f, inf, -inf, 0.0f, -0.0f,
                                 std::nanf("")});
  Tensor dy = Tensor::FromValues(Shape({7}), {1, 1, 1, 1, 1, 1, 1});
  Tensor y, dx;
  RunTanh(1, x, dy, &y, &dx);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -1.0f);
  EXPECT_EQ(y[2], 1.0f);
  EXPECT_EQ(y[3], -1.0f);
  EXPECT_EQ(y[4], 0.0f);
  EXPECT_TRUE(std::signbit(y[5]));  // tanh(-0) = -0.
  EXPECT_TRUE(std::isnan(y[6]));
  // Saturated: no gradient, and no NaN.
  EXPECT_EQ(dx[0], 0.0f);
  EXPECT_EQ(dx[1], 0.0f);
  EXPECT_EQ(dx[4], 1.0f);
}

TEST(TanhTest, GradientMatchesNumeric) {
  GradientCheckOptions options;
  options.epsilon = 1e-3;
  options.rtol = 1e-3;
  options.atol = 1e-4;
  int seed = 1;
  for (const Shape& shape : {Shape({7}), Shape({4, 9}), Shape({3, 5, 7}),
                             Shape({2, 3, 5, 5})}) {
    for (int threads : {1, 2}) {
      Tensor x = RandomTensor(shape, ++seed, -3.0f, 3.0f);
      options.num_threads = threads;
      auto result = CheckGradients(OpKind::kTanh, TanhAttrs{}, {&x}, options);
      EXPECT_TRUE(result.ok()) << shape.DebugString() << ": "
                               << result.status();
    }
  }
}

TEST(TanhTest, ShapePassesThroughIncludingUnknownBatch) {
  for (const Shape& shape : {Shape(), Shape({5}),
                             Shape({Shape::kUnknownDim, 10}),
                             Shape({2, 3, 4, 5})}) {
    auto out = TanhShape({shape}, TanhAttrs{});
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, shape);
  }
}

TEST(TanhTest, RejectsTwoInputs) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kTanh, TanhAttrs{},
                            {Shape({2, 3}), Shape({4})}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(op.status().message());
  EXPECT_NE(message.find("Tanh"), std::string::npos) << message;
  EXPECT_NE(message.find("[2,3], [4]"), std::string::npos) << message;
}

TEST(TanhTest, OneAndTwoThreadsAreBitwiseEqual) {
  // Odd size: several blocks per thread plus a padded tail.
  const Shape shape({(1 << 20) + 13});
  Tensor x = RandomTensor(shape, /*seed=*/21, -5.0f, 5.0f);
  Tensor dy = RandomTensor(shape, /*seed=*/22);
  Tensor y1, dx1, y2, dx2;
  RunTanh(1, x, dy, &y1, &dx1);
  RunTanh(2, x, dy, &y2, &dx2);
  EXPECT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(dx1.data(), dx2.data(), dx1.size() * sizeof(float)),
            0);
}

}  // namespace
}  // namespace dagrad
