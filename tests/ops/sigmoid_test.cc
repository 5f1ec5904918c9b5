#include "ops/sigmoid.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/cpu/vec_math.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// Exact sigmoid, in double, rounded to float at the end by the caller.
double ReferenceSigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

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
void RunSigmoid(int threads, Tensor& x, const Tensor& dy, Tensor* y,
                Tensor* dx) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kSigmoid, SigmoidAttrs{}, {x.shape()},
                            &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  *y = (*op)->output().Clone();
  *dx = Tensor::Zeros(x.shape());
  ASSERT_TRUE((*op)->Vjp(0, dy, dx).ok());
}

TEST(SigmoidTest, ForwardAndVjpMatchNaiveReference) {
  // Sizes around the 16-float chunk exercise the padded tail.
  for (int64_t n : {1, 15, 16, 17, 33, 1000}) {
    Tensor x = RandomTensor(Shape({n}), /*seed=*/n, -8.0f, 8.0f);
    Tensor dy = RandomTensor(Shape({n}), /*seed=*/n + 100);
    Tensor y, dx;
    RunSigmoid(1, x, dy, &y, &dx);
    for (int64_t i = 0; i < n; ++i) {
      ExpectAccurate(x[i], y[i], ReferenceSigmoid(x[i]));
      EXPECT_FLOAT_EQ(dx[i], dy[i] * (y[i] * (1.0f - y[i]))) << i;
    }
  }
  Tensor x = RandomTensor(Shape({3, 5, 7}), /*seed=*/3, -8.0f, 8.0f);
  auto y = RunForward(OpKind::kSigmoid, SigmoidAttrs{}, {&x});
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->shape(), x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    ExpectAccurate(x[i], (*y)[i], ReferenceSigmoid(x[i]));
  }
}

TEST(SigmoidTest, AccurateOverTheWholeFloatLine) {
  // Every 4099th bit pattern (~1M floats, all magnitudes and both signs),
  // plus a dense sweep of [-20, 20] and the boundaries of the exp clamp.
  std::vector<float> xs;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4099) {
    const uint32_t b = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, sizeof(f));
    if (!std::isnan(f)) xs.push_back(f);
  }
  for (int i = -200000; i <= 200000; ++i) xs.push_back(i * 1e-4f);
  for (float f : {-87.3f, -87.4f, -88.7f, -89.0f, -100.0f, -103.9f, -104.0f,
                  -104.1f, 88.7f, 89.0f, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX,
                  0.0f, -0.0f}) {
    xs.push_back(f);
  }
  Tensor x = Tensor::FromValues(Shape({static_cast<int64_t>(xs.size())}), xs);
  auto y = RunForward(OpKind::kSigmoid, SigmoidAttrs{}, {&x});
  ASSERT_TRUE(y.ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    ExpectAccurate(x[i], (*y)[i], ReferenceSigmoid(x[i]));
    if (HasFatalFailure()) return;  // One report, not a million.
  }
}

TEST(SigmoidTest, ExpNonPositiveMatchesStdExp) {
  // The exp behind Sigmoid and Tanh (ops/cpu/vec_math.h): every 127th float in
  // [-110, 0] (~9M values, all binades, through the subnormal results),
  // plus -inf and -0.
  auto check = [](float x) {
    const double want = std::exp(static_cast<double>(x));
    const float got = ExpNonPositive(x);
    if (want >= FLT_MIN) {
      ASSERT_LT(std::fabs(got - want) / want, 2.5e-7) << "x=" << x;
    } else {
      ASSERT_LE(std::fabs(got - want),
                static_cast<double>(std::numeric_limits<float>::denorm_min()))
          << "x=" << x;
    }
  };
  check(-std::numeric_limits<float>::infinity());
  check(-0.0f);
  for (uint32_t bits = 0x80000001u;; bits += 127) {
    float x;
    std::memcpy(&x, &bits, sizeof(x));
    if (x < -110.0f) break;
    check(x);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_EQ(ExpNonPositive(0.0f), 1.0f);
  EXPECT_EQ(ExpNonPositive(-1000.0f), 0.0f);
}

TEST(SigmoidTest, StableAtExtremes) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = Tensor::FromValues(Shape({7}),
                                {1000.0f, -1000.0f, inf, -inf, 0.0f, -0.0f,
                                 std::nanf("")});
  Tensor dy = Tensor::FromValues(Shape({7}), {1, 1, 1, 1, 1, 1, 1});
  Tensor y, dx;
  RunSigmoid(1, x, dy, &y, &dx);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_EQ(y[2], 1.0f);
  EXPECT_EQ(y[3], 0.0f);
  EXPECT_EQ(y[4], 0.5f);
  EXPECT_EQ(y[5], 0.5f);
  EXPECT_TRUE(std::isnan(y[6]));
  // Saturated: no gradient, and no NaN.
  EXPECT_EQ(dx[0], 0.0f);
  EXPECT_EQ(dx[1], 0.0f);
  EXPECT_EQ(dx[4], 0.25f);
}

TEST(SigmoidTest, GradientMatchesNumeric) {
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
      auto result = CheckGradients(OpKind::kSigmoid, SigmoidAttrs{}, {&x},
                                   options);
      EXPECT_TRUE(result.ok()) << shape.DebugString() << ": "
                               << result.status();
    }
  }
}

TEST(SigmoidTest, ShapePassesThroughIncludingUnknownBatch) {
  for (const Shape& shape : {Shape(), Shape({5}), Shape({Shape::kUnknownDim,
                                                          10}),
                             Shape({2, 3, 4, 5})}) {
    auto out = SigmoidShape({shape}, SigmoidAttrs{});
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, shape);
  }
}

TEST(SigmoidTest, RejectsTwoInputs) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kSigmoid, SigmoidAttrs{},
                            {Shape({2, 3}), Shape({4})}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(op.status().message());
  EXPECT_NE(message.find("Sigmoid"), std::string::npos) << message;
  EXPECT_NE(message.find("[2,3], [4]"), std::string::npos) << message;
}

TEST(SigmoidTest, OneAndTwoThreadsAreBitwiseEqual) {
  // Odd size: several blocks per thread plus a padded tail.
  const Shape shape({(1 << 20) + 13});
  Tensor x = RandomTensor(shape, /*seed=*/21, -10.0f, 10.0f);
  Tensor dy = RandomTensor(shape, /*seed=*/22);
  Tensor y1, dx1, y2, dx2;
  RunSigmoid(1, x, dy, &y1, &dx1);
  RunSigmoid(2, x, dy, &y2, &dx2);
  EXPECT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(dx1.data(), dx2.data(), dx1.size() * sizeof(float)),
            0);
}

}  // namespace
}  // namespace dagrad
