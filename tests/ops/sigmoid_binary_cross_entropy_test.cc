#include "ops/sigmoid_binary_cross_entropy.h"

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

constexpr OpKind kKind = OpKind::kSigmoidBinaryCrossEntropy;

struct Result {
  float loss;
  Tensor dx;
};

// RunOp() runs the forward and the VJP wrt the logits (dL/dY = dy) on
// `threads` threads.
absl::StatusOr<Result> RunOp(int threads, Tensor& x, Tensor& t,
                             float dy = 1.0f) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(kKind, SigmoidBinaryCrossEntropyAttrs{},
                            {x.shape(), t.shape()}, &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward({&x, &t});
  if (!s.ok()) return s;
  if ((*op)->output().shape() != Shape()) {
    return absl::InternalError("output is not a scalar");
  }
  Result r{(*op)->output()[0], Tensor::Zeros(x.shape())};
  Tensor grad = Tensor::FromValues(Shape(), {dy});
  s = (*op)->Vjp(0, grad, &r.dx);
  if (!s.ok()) return s;
  return r;
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST(SigmoidBinaryCrossEntropyTest, MatchesNaiveReference) {
  // Sizes around the 16-float chunk and the 8-lane sum exercise the tails.
  for (const Shape& shape : {Shape({1}), Shape({7}), Shape({4, 5}),
                             Shape({2, 3, 4}), Shape({3, 17})}) {
    Tensor x = RandomTensor(shape, /*seed=*/shape.num_elements(), -6, 6);
    Tensor t = RandomTensor(shape, /*seed=*/shape.num_elements() + 1, 0, 1);
    const float dy = 0.8f;
    auto got = RunOp(1, x, t, dy);
    ASSERT_TRUE(got.ok()) << got.status();
    // The textbook (unstable) form, in double, for moderate logits.
    const int64_t count = x.size();
    double loss = 0;
    for (int64_t i = 0; i < count; ++i) {
      const double s = Sigmoid(x[i]);
      loss -= t[i] * std::log(s) + (1 - t[i]) * std::log(1 - s);
      const double want = dy * (s - t[i]) / count;
      EXPECT_NEAR(got->dx[i], want, 1e-6 * std::fabs(want) + 1e-8)
          << shape.DebugString() << " " << i;
    }
    loss /= count;
    EXPECT_NEAR(got->loss, loss, 2e-6 * loss) << shape.DebugString();
  }
}

TEST(SigmoidBinaryCrossEntropyTest, GradientMatchesNumeric) {
  GradientCheckOptions options;
  options.wrt = {0};
  options.epsilon = 1e-2;
  options.rtol = 1e-2;
  options.atol = 1e-4;
  for (const Shape& shape : {Shape({5}), Shape({4, 3}), Shape({2, 3, 4})}) {
    Tensor x = RandomTensor(shape, /*seed=*/3, -4, 4);
    Tensor t = RandomTensor(shape, /*seed=*/4, 0, 1);
    auto result = CheckGradients(kKind, SigmoidBinaryCrossEntropyAttrs{},
                                 {&x, &t}, options);
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

TEST(SigmoidBinaryCrossEntropyTest, StableForLargeLogits) {
  Tensor x = Tensor::FromValues(Shape({3, 2}), {1000, -1000, 1000, -1000,
                                                100, -100});
  Tensor t = Tensor::FromValues(Shape({3, 2}), {1, 0, 0, 1, 0.5f, 0.5f});
  auto got = RunOp(1, x, t);
  ASSERT_TRUE(got.ok()) << got.status();
  // Per element: 0, 0, 1000, 1000, 50, 50.
  EXPECT_NEAR(got->loss, 2100.0 / 6, 1e-4);
  const float want_dx[] = {0, 0, 1, -1, 0.5f, -0.5f};
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(got->dx[i], want_dx[i] / 6, 1e-7) << i;
  }
}

void ExpectShapeError(const Shape& x, const Shape& t,
                      const std::string& part) {
  auto out = SigmoidBinaryCrossEntropyShape({x, t},
                                            SigmoidBinaryCrossEntropyAttrs{});
  ASSERT_FALSE(out.ok()) << x.DebugString() << " " << t.DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("SigmoidBinaryCrossEntropy: ", 0), 0u) << message;
  EXPECT_NE(
      message.find("inputs " + x.DebugString() + ", " + t.DebugString()),
      std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(SigmoidBinaryCrossEntropyTest, ShapeErrors) {
  ExpectShapeError(Shape(), Shape(), "rank >= 1");
  ExpectShapeError(Shape({2, 3}), Shape({3, 2}), "targets [3,2] must have");
  ExpectShapeError(Shape({6}), Shape({2, 3}), "targets [2,3] must have");
  ExpectShapeError(Shape({2, 3}), Shape({2}), "targets [2] must have");
  ExpectShapeError(Shape({0, 3}), Shape({0, 3}), "no elements");
}

TEST(SigmoidBinaryCrossEntropyTest, ShapeIsScalarAndAcceptsUnknownBatch) {
  const Shape open({Shape::kUnknownDim, 3});
  auto out = SigmoidBinaryCrossEntropyShape({open, open},
                                            SigmoidBinaryCrossEntropyAttrs{});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape());
}

TEST(SigmoidBinaryCrossEntropyTest, TargetsAreNotDifferentiable) {
  const OpDef* def = FindOp(kKind);
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->IsDifferentiableInput(0));
  EXPECT_FALSE(def->IsDifferentiableInput(1));
}

TEST(SigmoidBinaryCrossEntropyTest, OneAndTwoThreadsAgreeBitwise) {
  // 40000 elements: 10 summation blocks and 2500 VJP chunks, split over both
  // threads; plus a ragged size.
  for (const Shape& shape : {Shape({400, 100}), Shape({333, 77})}) {
    Tensor x = RandomTensor(shape, /*seed=*/41, -8, 8);
    Tensor t = RandomTensor(shape, /*seed=*/42, 0, 1);
    auto one = RunOp(1, x, t, 0.5f);
    auto two = RunOp(2, x, t, 0.5f);
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ(one->loss, two->loss);
    for (int64_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(one->dx[i], two->dx[i]) << i;
    }
  }
}

}  // namespace
}  // namespace dagrad
