#include "ops/cross_entropy.h"

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

constexpr OpKind kKind = OpKind::kCrossEntropy;

struct Result {
  float loss;
  Tensor dp;
};

// RunOp() runs the forward and the VJP wrt p (dL/dY = dy) on `threads`
// threads.
absl::StatusOr<Result> RunOp(int threads, Tensor& p, Tensor& labels,
                             float dy = 1.0f) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(kKind, CrossEntropyAttrs{},
                            {p.shape(), labels.shape()}, &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward({&p, &labels});
  if (!s.ok()) return s;
  if ((*op)->output().shape() != Shape()) {
    return absl::InternalError("output is not a scalar");
  }
  Result r{(*op)->output()[0], Tensor::Zeros(p.shape())};
  Tensor grad = Tensor::FromValues(Shape(), {dy});
  s = (*op)->Vjp(0, grad, &r.dp);
  if (!s.ok()) return s;
  return r;
}

Tensor RandomClassIds(int64_t n, int64_t c, uint64_t seed) {
  Tensor t = Tensor::Zeros(Shape({n}));
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) t[i] = static_cast<float>(rng.UniformInt(c));
  return t;
}

// RandomProbabilities() draws rows of probabilities, each within a factor 5
// of 1/C, that sum to 1 (well away from the pole of log p at 0).
Tensor RandomProbabilities(int64_t n, int64_t c, uint64_t seed) {
  Tensor p = RandomTensor(Shape({n, c}), seed, 0.2f, 1.0f);
  for (int64_t r = 0; r < n; ++r) {
    float s = 0;
    for (int64_t i = 0; i < c; ++i) s += p[r * c + i];
    for (int64_t i = 0; i < c; ++i) p[r * c + i] /= s;
  }
  return p;
}

// RandomSoftTargets() draws targets in [0, 1) with about a quarter exact
// zeros (whose terms must vanish).
Tensor RandomSoftTargets(int64_t n, int64_t c, uint64_t seed) {
  Tensor t = RandomTensor(Shape({n, c}), seed, -0.33f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = t[i] < 0 ? 0.0f : t[i];
  return t;
}

std::vector<double> Targets(const Tensor& labels, int64_t n, int64_t c) {
  if (labels.shape().rank() == 2) {
    return std::vector<double>(labels.data(), labels.data() + n * c);
  }
  std::vector<double> t(n * c, 0.0);
  for (int64_t r = 0; r < n; ++r) t[r * c + static_cast<int64_t>(labels[r])] = 1;
  return t;
}

// ExpectMatchesReference() checks the loss and dL/dp (for dL/dY = dy)
// against a naive double-precision computation.
void ExpectMatchesReference(Tensor& p, Tensor& labels, float dy) {
  const int64_t n = p.shape().dim(0);
  const int64_t c = p.shape().dim(1);
  auto got = RunOp(1, p, labels, dy);
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<double> t = Targets(labels, n, c);
  double loss = 0;
  for (int64_t k = 0; k < n * c; ++k) {
    if (t[k] != 0) loss -= t[k] * std::log(double{p[k]});
    const double want = t[k] != 0 ? -dy * t[k] / (n * double{p[k]}) : 0.0;
    EXPECT_NEAR(got->dp[k], want, 1e-6 * std::fabs(want) + 1e-9)
        << p.shape().DebugString() << " " << k;
  }
  loss /= n;
  EXPECT_NEAR(got->loss, loss, 1e-6 * std::fabs(loss) + 1e-7)
      << p.shape().DebugString();
}

TEST(CrossEntropyTest, ClassIdsMatchNaiveReference) {
  for (auto [n, c] : {std::pair<int64_t, int64_t>{1, 1}, {5, 3}, {64, 10},
                      {7, 33}}) {
    Tensor p = RandomProbabilities(n, c, /*seed=*/n + c);
    Tensor labels = RandomClassIds(n, c, /*seed=*/n * c);
    ExpectMatchesReference(p, labels, 0.75f);
  }
}

TEST(CrossEntropyTest, SoftTargetsMatchNaiveReference) {
  for (auto [n, c] : {std::pair<int64_t, int64_t>{1, 2}, {5, 3}, {64, 10}}) {
    Tensor p = RandomProbabilities(n, c, /*seed=*/n + c);
    Tensor t = RandomSoftTargets(n, c, /*seed=*/n * c);
    ExpectMatchesReference(p, t, -1.5f);
  }
}

TEST(CrossEntropyTest, GradientMatchesNumeric) {
  GradientCheckOptions options;
  options.wrt = {0};
  options.epsilon = 1e-2;
  options.rtol = 1e-2;
  options.atol = 1e-4;
  for (auto [n, c] : {std::pair<int64_t, int64_t>{1, 3}, {4, 5}, {8, 10}}) {
    // p in [0.1, 0.6), unnormalized (used as given): far enough from the pole
    // of log p at 0 that central differences with h = 1e-2 are accurate.
    Tensor p = RandomTensor(Shape({n, c}), /*seed=*/3 * n + c, 0.1f, 0.6f);
    Tensor ids = RandomClassIds(n, c, /*seed=*/n + 17);
    auto result =
        CheckGradients(kKind, CrossEntropyAttrs{}, {&p, &ids}, options);
    EXPECT_TRUE(result.ok()) << n << "x" << c << " ids: " << result.status();
    Tensor soft = RandomSoftTargets(n, c, /*seed=*/n + 19);
    result = CheckGradients(kKind, CrossEntropyAttrs{}, {&p, &soft}, options);
    EXPECT_TRUE(result.ok()) << n << "x" << c << " soft: " << result.status();
  }
}

TEST(CrossEntropyTest, ZeroProbabilityIsInfiniteOnlyWhereTargeted) {
  // Row 0: p = 0 at its label: infinite loss and gradient, reported as such.
  Tensor p = Tensor::FromValues(Shape({2, 2}), {0, 1, 0.5f, 0.5f});
  Tensor ids = Tensor::FromValues(Shape({2}), {0, 1});
  auto got = RunOp(1, p, ids);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->loss, INFINITY);
  EXPECT_EQ(got->dp[0], -INFINITY);
  EXPECT_EQ(got->dp[1], 0.0f);
  // p = 0 where the target is 0 contributes nothing (0 log 0 = 0).
  Tensor t = Tensor::FromValues(Shape({2, 2}), {0, 1, 0, 1});
  got = RunOp(1, p, t);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_NEAR(got->loss, std::log(2.0) / 2, 1e-7);
  EXPECT_EQ(got->dp[0], 0.0f);
  EXPECT_FLOAT_EQ(got->dp[1], -0.5f);
  EXPECT_EQ(got->dp[2], 0.0f);
  EXPECT_FLOAT_EQ(got->dp[3], -1.0f);
}

void ExpectLabelError(float bad, const std::string& value) {
  Tensor p = RandomProbabilities(4, 3, /*seed=*/1);
  Tensor labels = Tensor::FromValues(Shape({4}), {0, 2, bad, 1});
  ThreadPool pool(1);
  auto op = EagerOp::Create(kKind, CrossEntropyAttrs{},
                            {p.shape(), labels.shape()}, &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  absl::Status s = (*op)->Forward({&p, &labels});
  ASSERT_FALSE(s.ok()) << value;
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(s.message());
  EXPECT_EQ(message.rfind("CrossEntropy: ", 0), 0u) << message;
  EXPECT_NE(message.find("example 2"), std::string::npos) << message;
  EXPECT_NE(message.find("label " + value + " "), std::string::npos)
      << message;
}

TEST(CrossEntropyTest, ForwardRejectsBadClassIds) {
  ExpectLabelError(3, "3");
  ExpectLabelError(-1, "-1");
  ExpectLabelError(2.25f, "2.25");
  ExpectLabelError(NAN, "nan");
}

void ExpectShapeError(const Shape& p, const Shape& labels,
                      const std::string& part) {
  auto out = CrossEntropyShape({p, labels}, CrossEntropyAttrs{});
  ASSERT_FALSE(out.ok()) << p.DebugString() << " " << labels.DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("CrossEntropy: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + p.DebugString() + ", " +
                         labels.DebugString()),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(CrossEntropyTest, ShapeErrors) {
  ExpectShapeError(Shape({10}), Shape({10}), "rank 2");
  ExpectShapeError(Shape({2, 3, 4}), Shape({2}), "rank 2");
  ExpectShapeError(Shape({4, 0}), Shape({4}), "C >= 1");
  ExpectShapeError(Shape({0, 3}), Shape({0}), "empty batch");
  ExpectShapeError(Shape({4, 3}), Shape({5}), "labels [5] must be");
  ExpectShapeError(Shape({4, 3}), Shape({4, 2}), "labels [4,2] must be");
  ExpectShapeError(Shape({4, 3}), Shape({4, 3, 1}), "labels [4,3,1] must be");
}

TEST(CrossEntropyTest, LabelsAreNotDifferentiable) {
  const OpDef* def = FindOp(kKind);
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->IsDifferentiableInput(0));
  EXPECT_FALSE(def->IsDifferentiableInput(1));
}

TEST(CrossEntropyTest, OneAndTwoThreadsAgreeBitwise) {
  const int64_t n = 5000, c = 10;
  Tensor p = RandomProbabilities(n, c, /*seed=*/31);
  Tensor ids = RandomClassIds(n, c, /*seed=*/32);
  Tensor soft = RandomSoftTargets(n, c, /*seed=*/33);
  for (Tensor* labels : {&ids, &soft}) {
    auto one = RunOp(1, p, *labels, 0.5f);
    auto two = RunOp(2, p, *labels, 0.5f);
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ(one->loss, two->loss);
    for (int64_t i = 0; i < p.size(); ++i) {
      ASSERT_EQ(one->dp[i], two->dp[i]) << i;
    }
  }
}

}  // namespace
}  // namespace dagrad
