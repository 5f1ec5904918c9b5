#include "ops/softmax_cross_entropy.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/random.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

constexpr OpKind kKind = OpKind::kSoftmaxCrossEntropy;

struct Result {
  float loss;
  Tensor dx;
};

// RunOp() runs the forward and the VJP wrt the logits (dL/dY = dy) on
// `threads` threads.
absl::StatusOr<Result> RunOp(int threads, Tensor& x, Tensor& labels,
                             float dy = 1.0f) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(kKind, SoftmaxCrossEntropyAttrs{},
                            {x.shape(), labels.shape()}, &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward({&x, &labels});
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

Tensor RandomClassIds(int64_t n, int64_t c, uint64_t seed) {
  Tensor t = Tensor::Zeros(Shape({n}));
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) t[i] = static_cast<float>(rng.UniformInt(c));
  return t;
}

// RandomSoftTargets() draws rows of positive targets summing to 1.
Tensor RandomSoftTargets(int64_t n, int64_t c, uint64_t seed) {
  Tensor t = RandomTensor(Shape({n, c}), seed, 0.0f, 1.0f);
  for (int64_t r = 0; r < n; ++r) {
    float s = 0;
    for (int64_t i = 0; i < c; ++i) s += t[r * c + i];
    for (int64_t i = 0; i < c; ++i) t[r * c + i] /= s;
  }
  return t;
}

// Targets() returns the [N,C] targets that `labels` mean, in double.
std::vector<double> Targets(const Tensor& labels, int64_t n, int64_t c) {
  if (labels.shape().rank() == 2) {
    return std::vector<double>(labels.data(), labels.data() + n * c);
  }
  std::vector<double> t(n * c, 0.0);
  for (int64_t r = 0; r < n; ++r) t[r * c + static_cast<int64_t>(labels[r])] = 1;
  return t;
}

// ExpectMatchesReference() checks the loss and dL/dx (for dL/dY = dy)
// against a naive double-precision computation.
void ExpectMatchesReference(Tensor& x, Tensor& labels, float dy) {
  const int64_t n = x.shape().dim(0);
  const int64_t c = x.shape().dim(1);
  auto got = RunOp(1, x, labels, dy);
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<double> t = Targets(labels, n, c);
  double loss = 0;
  for (int64_t r = 0; r < n; ++r) {
    double m = -INFINITY;
    for (int64_t i = 0; i < c; ++i) m = std::max(m, double{x[r * c + i]});
    double s = 0;
    for (int64_t i = 0; i < c; ++i) s += std::exp(x[r * c + i] - m);
    const double lse = m + std::log(s);
    for (int64_t i = 0; i < c; ++i) {
      const double p = std::exp(x[r * c + i] - lse);
      loss -= t[r * c + i] * (x[r * c + i] - lse);
      EXPECT_NEAR(got->dx[r * c + i], dy * (p - t[r * c + i]) / n, 1e-7)
          << x.shape().DebugString() << " " << r << "," << i;
    }
  }
  loss /= n;
  EXPECT_NEAR(got->loss, loss, 1e-6 * std::fabs(loss) + 1e-7)
      << x.shape().DebugString();
}

TEST(SoftmaxCrossEntropyTest, ClassIdsMatchNaiveReference) {
  for (auto [n, c] : {std::pair<int64_t, int64_t>{1, 1}, {5, 3}, {64, 10},
                      {7, 33}}) {
    Tensor x = RandomTensor(Shape({n, c}), /*seed=*/n + c, -4.0f, 4.0f);
    Tensor labels = RandomClassIds(n, c, /*seed=*/n * c);
    ExpectMatchesReference(x, labels, 0.75f);
  }
}

TEST(SoftmaxCrossEntropyTest, SoftTargetsMatchNaiveReference) {
  for (auto [n, c] : {std::pair<int64_t, int64_t>{1, 2}, {5, 3}, {64, 10}}) {
    Tensor x = RandomTensor(Shape({n, c}), /*seed=*/n + c, -4.0f, 4.0f);
    Tensor t = RandomSoftTargets(n, c, /*seed=*/n * c);
    ExpectMatchesReference(x, t, -1.5f);
  }
}

TEST(SoftmaxCrossEntropyTest, OneHotTargetsEqualClassIds) {
  Tensor x = RandomTensor(Shape({6, 4}), /*seed=*/5, -3.0f, 3.0f);
  Tensor ids = RandomClassIds(6, 4, /*seed=*/6);
  Tensor one_hot = Tensor::Zeros(Shape({6, 4}));
  for (int r = 0; r < 6; ++r) one_hot[r * 4 + static_cast<int>(ids[r])] = 1;
  auto a = RunOp(1, x, ids);
  auto b = RunOp(1, x, one_hot);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(a->loss, b->loss, 1e-6);
  for (int i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(a->dx[i], b->dx[i]) << i;
}

TEST(SoftmaxCrossEntropyTest, GradientMatchesNumeric) {
  GradientCheckOptions options;
  options.wrt = {0};
  options.epsilon = 1e-2;
  options.rtol = 1e-2;
  options.atol = 1e-4;
  for (auto [n, c] : {std::pair<int64_t, int64_t>{1, 3}, {4, 5}, {8, 10}}) {
    Tensor x = RandomTensor(Shape({n, c}), /*seed=*/3 * n + c, -3.0f, 3.0f);
    Tensor ids = RandomClassIds(n, c, /*seed=*/n + 17);
    auto result = CheckGradients(kKind, SoftmaxCrossEntropyAttrs{},
                                 {&x, &ids}, options);
    EXPECT_TRUE(result.ok()) << n << "x" << c << " ids: " << result.status();
    Tensor soft = RandomSoftTargets(n, c, /*seed=*/n + 19);
    result = CheckGradients(kKind, SoftmaxCrossEntropyAttrs{}, {&x, &soft},
                            options);
    EXPECT_TRUE(result.ok()) << n << "x" << c << " soft: " << result.status();
  }
}

TEST(SoftmaxCrossEntropyTest, StableForLargeLogits) {
  Tensor x = Tensor::FromValues(Shape({3, 3}), {1000, -1000, 0,     //
                                                1000, 1000, -1000,  //
                                                -1000, -1000, -1000});
  Tensor labels = Tensor::FromValues(Shape({3}), {1, 0, 2});
  auto got = RunOp(1, x, labels);
  ASSERT_TRUE(got.ok()) << got.status();
  // loss = (2000 + ln 2 + ln 3) / 3.
  EXPECT_NEAR(got->loss, (2000 + std::log(2.0) + std::log(3.0)) / 3, 1e-3);
  const float want_dx[] = {1, -1, 0, -0.5f, 0.5f, 0, 1 / 3.0f, 1 / 3.0f,
                           -2 / 3.0f};
  for (int i = 0; i < 9; ++i) {
    EXPECT_NEAR(got->dx[i], want_dx[i] / 3, 1e-7) << i;
  }
}

// ExpectLabelError() requires the forward to fail with InvalidArgument naming
// the op, example `index` and `value`.
void ExpectLabelError(float bad, const std::string& value) {
  Tensor x = RandomTensor(Shape({4, 3}), /*seed=*/1);
  Tensor labels = Tensor::FromValues(Shape({4}), {0, 2, bad, 1});
  ThreadPool pool(1);
  auto op = EagerOp::Create(kKind, SoftmaxCrossEntropyAttrs{},
                            {x.shape(), labels.shape()}, &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  absl::Status s = (*op)->Forward({&x, &labels});
  ASSERT_FALSE(s.ok()) << value;
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(s.message());
  EXPECT_NE(message.find("SoftmaxCrossEntropy"), std::string::npos) << message;
  EXPECT_NE(message.find("example 2"), std::string::npos) << message;
  EXPECT_NE(message.find("label " + value + " "), std::string::npos)
      << message;
  // The failed forward leaves no result for a VJP to use.
  Tensor dx = Tensor::Zeros(x.shape());
  Tensor dy = Tensor::FromValues(Shape(), {1});
  EXPECT_FALSE((*op)->Vjp(0, dy, &dx).ok());
}

TEST(SoftmaxCrossEntropyTest, ForwardRejectsBadClassIds) {
  ExpectLabelError(3, "3");
  ExpectLabelError(-1, "-1");
  ExpectLabelError(1.5f, "1.5");
  ExpectLabelError(NAN, "nan");
  ExpectLabelError(INFINITY, "inf");
}

// ExpectShapeError() requires InvalidArgument naming the op, both input
// shapes and `part`.
void ExpectShapeError(const Shape& x, const Shape& labels,
                      const std::string& part) {
  auto out = SoftmaxCrossEntropyShape({x, labels}, SoftmaxCrossEntropyAttrs{});
  ASSERT_FALSE(out.ok()) << x.DebugString() << " " << labels.DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("SoftmaxCrossEntropy: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + x.DebugString() + ", " +
                         labels.DebugString()),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(SoftmaxCrossEntropyTest, ShapeErrors) {
  ExpectShapeError(Shape({10}), Shape({10}), "rank 2");
  ExpectShapeError(Shape({2, 3, 4}), Shape({2}), "rank 2");
  ExpectShapeError(Shape({4, 0}), Shape({4}), "C >= 1");
  ExpectShapeError(Shape({0, 3}), Shape({0}), "empty batch");
  ExpectShapeError(Shape({4, 3}), Shape({5}), "labels [5] must be");
  ExpectShapeError(Shape({4, 3}), Shape({4, 4}), "labels [4,4] must be");
  ExpectShapeError(Shape({4, 3}), Shape({3, 3}), "labels [3,3] must be");
  ExpectShapeError(Shape({4, 3}), Shape({4, 3, 1}), "labels [4,3,1] must be");
  ExpectShapeError(Shape({4, 3}), Shape(), "labels [] must be");
}

TEST(SoftmaxCrossEntropyTest, ShapeIsScalarAndAcceptsUnknownBatch) {
  const Shape open({Shape::kUnknownDim, 10});
  for (const Shape& labels : {Shape({Shape::kUnknownDim}), open}) {
    auto out = SoftmaxCrossEntropyShape({open, labels},
                                        SoftmaxCrossEntropyAttrs{});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, Shape());
  }
}

TEST(SoftmaxCrossEntropyTest, LabelsAreNotDifferentiable) {
  const OpDef* def = FindOp(kKind);
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->IsDifferentiableInput(0));
  EXPECT_FALSE(def->IsDifferentiableInput(1));
}

TEST(SoftmaxCrossEntropyTest, OneAndTwoThreadsAgreeBitwise) {
  // 50000 logits: rows split over both threads.
  const int64_t n = 5000, c = 10;
  Tensor x = RandomTensor(Shape({n, c}), /*seed=*/31, -6.0f, 6.0f);
  Tensor ids = RandomClassIds(n, c, /*seed=*/32);
  Tensor soft = RandomSoftTargets(n, c, /*seed=*/33);
  for (Tensor* labels : {&ids, &soft}) {
    auto one = RunOp(1, x, *labels, 0.5f);
    auto two = RunOp(2, x, *labels, 0.5f);
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ(one->loss, two->loss);
    for (int64_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(one->dx[i], two->dx[i]) << i;
    }
  }
}

}  // namespace
}  // namespace dagrad
