#include "ops/mean_squared_error.h"

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

constexpr OpKind kKind = OpKind::kMeanSquaredError;

struct Result {
  float loss;
  Tensor dy;
};

// RunOp() runs the forward and the VJP wrt the prediction (dL/dY = grad) on
// `threads` threads.
absl::StatusOr<Result> RunOp(int threads, Tensor& y, Tensor& t,
                             float grad = 1.0f) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(kKind, MeanSquaredErrorAttrs{},
                            {y.shape(), t.shape()}, &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward({&y, &t});
  if (!s.ok()) return s;
  if ((*op)->output().shape() != Shape()) {
    return absl::InternalError("output is not a scalar");
  }
  Result r{(*op)->output()[0], Tensor::Zeros(y.shape())};
  Tensor g = Tensor::FromValues(Shape(), {grad});
  s = (*op)->Vjp(0, g, &r.dy);
  if (!s.ok()) return s;
  return r;
}

TEST(MeanSquaredErrorTest, KnownValues) {
  Tensor y = Tensor::FromValues(Shape({2, 2}), {1, 2, 3, 4});
  Tensor t = Tensor::FromValues(Shape({2, 2}), {0, 2, 5, 3.5f});
  auto got = RunOp(1, y, t);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FLOAT_EQ(got->loss, (1 + 0 + 4 + 0.25f) / 4);
  const float want[] = {0.5f, 0, -1, 0.25f};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(got->dy[i], want[i]) << i;
}

TEST(MeanSquaredErrorTest, MatchesNaiveReference) {
  for (const Shape& shape : {Shape({1}), Shape({7}), Shape({4, 5}),
                             Shape({2, 3, 4}), Shape({3, 17}),
                             Shape({64, 784})}) {
    Tensor y = RandomTensor(shape, /*seed=*/shape.num_elements(), -3, 3);
    Tensor t = RandomTensor(shape, /*seed=*/shape.num_elements() + 1, -3, 3);
    const float grad = -0.6f;
    auto got = RunOp(1, y, t, grad);
    ASSERT_TRUE(got.ok()) << got.status();
    const int64_t count = y.size();
    double loss = 0;
    for (int64_t i = 0; i < count; ++i) {
      const double d = double{y[i]} - t[i];
      loss += d * d;
      const double want = grad * 2 * d / count;
      EXPECT_NEAR(got->dy[i], want, 1e-6 * std::fabs(want) + 1e-9)
          << shape.DebugString() << " " << i;
    }
    loss /= count;
    EXPECT_NEAR(got->loss, loss, 1e-6 * loss) << shape.DebugString();
  }
}

TEST(MeanSquaredErrorTest, GradientMatchesNumeric) {
  GradientCheckOptions options;
  options.wrt = {0};
  options.epsilon = 1e-2;
  options.rtol = 1e-2;
  options.atol = 1e-4;
  for (const Shape& shape : {Shape({5}), Shape({4, 3}), Shape({2, 3, 4})}) {
    Tensor y = RandomTensor(shape, /*seed=*/3, -2, 2);
    Tensor t = RandomTensor(shape, /*seed=*/4, -2, 2);
    auto result =
        CheckGradients(kKind, MeanSquaredErrorAttrs{}, {&y, &t}, options);
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

void ExpectShapeError(const Shape& y, const Shape& t,
                      const std::string& part) {
  auto out = MeanSquaredErrorShape({y, t}, MeanSquaredErrorAttrs{});
  ASSERT_FALSE(out.ok()) << y.DebugString() << " " << t.DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("MeanSquaredError: ", 0), 0u) << message;
  EXPECT_NE(
      message.find("inputs " + y.DebugString() + ", " + t.DebugString()),
      std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(MeanSquaredErrorTest, ShapeErrors) {
  ExpectShapeError(Shape(), Shape(), "rank >= 1");
  ExpectShapeError(Shape({2, 3}), Shape({3, 2}), "target [3,2] must have");
  ExpectShapeError(Shape({6}), Shape({2, 3}), "target [2,3] must have");
  ExpectShapeError(Shape({2, 3}), Shape({2, 3, 1}), "target [2,3,1] must");
  ExpectShapeError(Shape({4, 0}), Shape({4, 0}), "no elements");
}

TEST(MeanSquaredErrorTest, TargetIsNotDifferentiable) {
  const OpDef* def = FindOp(kKind);
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->IsDifferentiableInput(0));
  EXPECT_FALSE(def->IsDifferentiableInput(1));
}

TEST(MeanSquaredErrorTest, OneAndTwoThreadsAgreeBitwise) {
  for (const Shape& shape : {Shape({400, 100}), Shape({333, 77})}) {
    Tensor y = RandomTensor(shape, /*seed=*/41, -3, 3);
    Tensor t = RandomTensor(shape, /*seed=*/42, -3, 3);
    auto one = RunOp(1, y, t, 0.5f);
    auto two = RunOp(2, y, t, 0.5f);
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ(one->loss, two->loss);
    for (int64_t i = 0; i < y.size(); ++i) {
      ASSERT_EQ(one->dy[i], two->dy[i]) << i;
    }
  }
}

}  // namespace
}  // namespace dagrad
