// The losses: CrossEntropy (on probabilities), MeanSquaredError,
// SigmoidBinaryCrossEntropy and SoftmaxCrossEntropy (on logits). Each takes
// a prediction and not-differentiable targets and returns a scalar [].
//
// The family table (tests/testing/op_family.h) states per op: the sweep of
// batch and class sizes and of target kinds (class ids, soft targets, and
// for CrossEntropy, MeanSquaredError and SigmoidBinaryCrossEntropy targets
// whose rows do not sum to 1 and an all-zero row), the input generator (for
// CrossEntropy p stays well away from the pole of log p at 0; none of these
// losses has a kink), the naive double-precision reference loss and
// gradient with their tolerances, the gradient checker's settings, the large
// cases for the 1-vs-2-thread bitwise check and the shape errors. Cases that
// fit no table (bad labels, extremes, known values) follow as TESTs.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "gtest/gtest.h"
#include "ops/cross_entropy.h"
#include "ops/eager.h"
#include "ops/mean_squared_error.h"
#include "ops/sigmoid_binary_cross_entropy.h"
#include "ops/softmax_cross_entropy.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;
constexpr OpKind kCe = OpKind::kCrossEntropy;
constexpr OpKind kMse = OpKind::kMeanSquaredError;
constexpr OpKind kSbce = OpKind::kSigmoidBinaryCrossEntropy;
constexpr OpKind kSce = OpKind::kSoftmaxCrossEntropy;

using Sizes = std::pair<int64_t, int64_t>;  // N, C

// ---------------------------------------------------------------------------
// Input generators.

Tensor RandomClassIds(int64_t n, int64_t c, uint64_t seed) {
  Tensor t = Tensor::Zeros(Shape({n}));
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) t[i] = static_cast<float>(rng.UniformInt(c));
  return t;
}

// NormalizeRows() scales each row of t [N,C] to sum to 1.
Tensor NormalizeRows(Tensor t) {
  const int64_t c = t.shape().dim(-1);
  for (int64_t base = 0; base < t.size(); base += c) {
    float s = 0;
    for (int64_t i = 0; i < c; ++i) s += t[base + i];
    for (int64_t i = 0; i < c; ++i) t[base + i] /= s;
  }
  return t;
}

// RandomProbabilities() draws rows of probabilities, each within a factor 5
// of 1/C, that sum to 1 (well away from the pole of log p at 0).
Tensor RandomProbabilities(int64_t n, int64_t c, uint64_t seed) {
  return NormalizeRows(RandomTensor(Shape({n, c}), seed, 0.2f, 1.0f));
}

// RandomSoftTargets() draws targets in [0, 1) with about a quarter exact
// zeros (whose terms must vanish); rows do not sum to 1.
Tensor RandomSoftTargets(int64_t n, int64_t c, uint64_t seed) {
  Tensor t = RandomTensor(Shape({n, c}), seed, -0.33f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = t[i] < 0 ? 0.0f : t[i];
  return t;
}

// WithZeroRow() sets row `row` of t (rows along axis 0) to 0.
Tensor WithZeroRow(Tensor t, int64_t row) {
  const int64_t width = t.size() / t.shape().dim(0);
  for (int64_t i = 0; i < width; ++i) t[row * width + i] = 0;
  return t;
}

std::function<Tensor(const Tensor&)> ScalarDy(float dy) {
  return [dy](const Tensor&) { return Tensor::FromValues(Shape(), {dy}); };
}

// Targets() returns the [N,C] targets that `labels` mean, in double.
std::vector<double> Targets(const Tensor& labels, int64_t n, int64_t c) {
  if (labels.shape().rank() == 2) {
    return std::vector<double>(labels.data(), labels.data() + n * c);
  }
  std::vector<double> t(n * c, 0.0);
  for (int64_t r = 0; r < n; ++r) {
    t[r * c + static_cast<int64_t>(labels[r])] = 1;
  }
  return t;
}

// ---------------------------------------------------------------------------
// Naive references, in double: y = {loss}, grads[0] = dL/d(prediction).

Reference ScalarLoss(double loss, std::vector<double> grad) {
  Reference r;
  r.y_shape.emplace();  // The scalar [].
  r.y = {loss};
  r.grads = {std::move(grad), {}};
  return r;
}

// L = -(1/N) sum t log p (0 where t = 0); dL/dp = -dy t / (N p).
Reference CrossEntropyReference(const ReferenceArgs& args) {
  const Tensor& p = args.inputs[0];
  const int64_t n = p.shape().dim(0), c = p.shape().dim(1);
  const std::vector<double> t = Targets(args.inputs[1], n, c);
  const double dy = args.dy[0];
  double loss = 0;
  std::vector<double> dp(n * c);
  for (int64_t k = 0; k < n * c; ++k) {
    if (t[k] != 0) loss -= t[k] * std::log(double{p[k]});
    dp[k] = t[k] != 0 ? -dy * t[k] / (n * double{p[k]}) : 0.0;
  }
  return ScalarLoss(loss / n, std::move(dp));
}

// L = mean (y - t)^2; dL/dy = dy * 2 (y - t) / count.
Reference MeanSquaredErrorReference(const ReferenceArgs& args) {
  const Tensor& y = args.inputs[0];
  const Tensor& t = args.inputs[1];
  const int64_t count = y.size();
  double loss = 0;
  std::vector<double> grad(count);
  for (int64_t i = 0; i < count; ++i) {
    const double d = double{y[i]} - t[i];
    loss += d * d;
    grad[i] = args.dy[0] * 2 * d / count;
  }
  return ScalarLoss(loss / count, std::move(grad));
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The textbook (unstable) form, for moderate logits:
// L = -mean (t log s + (1 - t) log(1 - s)), s = sigmoid(x);
// dL/dx = dy (s - t) / count.
Reference SigmoidBinaryCrossEntropyReference(const ReferenceArgs& args) {
  const Tensor& x = args.inputs[0];
  const Tensor& t = args.inputs[1];
  const int64_t count = x.size();
  double loss = 0;
  std::vector<double> grad(count);
  for (int64_t i = 0; i < count; ++i) {
    const double s = Sigmoid(x[i]);
    loss -= t[i] * std::log(s) + (1 - t[i]) * std::log(1 - s);
    grad[i] = args.dy[0] * (s - t[i]) / count;
  }
  return ScalarLoss(loss / count, std::move(grad));
}

// L = -(1/N) sum t (x - logsumexp(x)). The derivative of that is
//   dL/dx = dy (softmax(x) sum_c t - t) / N,
// which is dy (softmax(x) - t) / N for rows of t summing to 1 (class ids,
// normalized soft targets) and 0 for a row of zeros.
Reference SoftmaxCrossEntropyReference(const ReferenceArgs& args) {
  const Tensor& x = args.inputs[0];
  const int64_t n = x.shape().dim(0), c = x.shape().dim(1);
  const std::vector<double> t = Targets(args.inputs[1], n, c);
  const double dy = args.dy[0];
  double loss = 0;
  std::vector<double> dx(n * c);
  for (int64_t r = 0; r < n; ++r) {
    double m = -INFINITY, t_sum = 0;
    for (int64_t i = 0; i < c; ++i) {
      m = std::max(m, double{x[r * c + i]});
      t_sum += t[r * c + i];
    }
    double s = 0;
    for (int64_t i = 0; i < c; ++i) s += std::exp(x[r * c + i] - m);
    const double lse = m + std::log(s);
    for (int64_t i = 0; i < c; ++i) {
      const double p = std::exp(x[r * c + i] - lse);
      loss -= t[r * c + i] * (x[r * c + i] - lse);
      dx[r * c + i] = dy * (p * t_sum - t[r * c + i]) / n;
    }
  }
  return ScalarLoss(loss / n, std::move(dx));
}

// ---------------------------------------------------------------------------
// The table.

OpCase ReferenceCase(OpKind kind, const OpAttrs& attrs,
                     const std::string& label,
                     std::function<std::vector<Tensor>()> inputs, float dy,
                     ReferenceFn reference, Tolerance loss_tolerance,
                     Tolerance grad_tolerance) {
  OpCase c = MakeCase(kind, attrs, "reference_" + label, std::move(inputs));
  c.dy = ScalarDy(dy);
  c.reference = std::move(reference);
  c.y_tolerance = loss_tolerance;
  c.grad_tolerance = grad_tolerance;
  return c;
}

// LossGradientOptions: the prediction only (targets are not
// differentiable), epsilon 1e-2, rtol 1e-2, atol 1e-4.
GradientCheckOptions LossGradientOptions() {
  GradientCheckOptions options = GradientOptions(1e-2, 1e-2, 1e-4);
  options.wrt = {0};
  return options;
}

OpCase GradientCase(OpKind kind, const OpAttrs& attrs, const std::string& label,
                    std::function<std::vector<Tensor>()> inputs) {
  OpCase c = MakeCase(kind, attrs, "gradient_" + label, std::move(inputs));
  c.gradient = LossGradientOptions();
  return c;
}

OpCase ThreadsCase(OpKind kind, const OpAttrs& attrs, const std::string& label,
                   std::function<std::vector<Tensor>()> inputs) {
  OpCase c = MakeCase(kind, attrs, "threads_" + label, std::move(inputs));
  c.dy = ScalarDy(0.5f);
  c.bitwise_threads = true;
  return c;
}

std::string SizesLabel(Sizes s) { return absl::StrCat(s.first, "x", s.second); }

// Generator makes an [N,C] tensor (predictions or soft targets) from a seed.
using Generator = std::function<Tensor(int64_t n, int64_t c, uint64_t seed)>;

// ClassLoss states one class-target loss (CrossEntropy, SoftmaxCrossEntropy)
// for the sweep below.
struct ClassLoss {
  OpKind kind;
  OpAttrs attrs;
  Generator reference_prediction;
  Generator gradient_prediction;
  Generator thread_prediction;
  Generator soft_targets;
  // zero_rows adds soft targets with an all-zero row (the op accepts rows
  // that do not sum to 1).
  bool zero_rows;
  ReferenceFn reference;
  Tolerance loss_tolerance;
  Tolerance grad_tolerance;
};

// AddClassLossCases(): references with class ids (dL/dY 0.75) and soft
// targets (-1.5) over N x C sizes; gradients at three sizes; and 5000 x 10
// for the thread check.
void AddClassLossCases(const ClassLoss& op, std::vector<OpCase>* cases) {
  struct Targets {
    std::string name;
    Generator make;
  };
  std::vector<Targets> soft = {{"soft", op.soft_targets}};
  if (op.zero_rows) {
    soft.push_back({"soft_zero_row",
                    [g = op.soft_targets](int64_t n, int64_t c, uint64_t seed) {
                      return WithZeroRow(g(n, c, seed), 1);
                    }});
  }
  const Targets ids = {"ids", RandomClassIds};
  auto reference_case = [&](const Targets& t, Sizes s, float dy) {
    auto [n, c] = s;
    cases->push_back(ReferenceCase(
        op.kind, op.attrs, t.name + "_" + SizesLabel(s),
        [=, p = op.reference_prediction, make = t.make] {
          return Inputs(p(n, c, n + c), make(n, c, n * c));
        },
        dy, op.reference, op.loss_tolerance, op.grad_tolerance));
  };
  for (Sizes s : {Sizes{1, 1}, Sizes{5, 3}, Sizes{64, 10}, Sizes{7, 33}}) {
    reference_case(ids, s, 0.75f);
  }
  for (const Targets& t : soft) {
    for (Sizes s : {Sizes{1, 2}, Sizes{5, 3}, Sizes{64, 10}}) {
      if (s.first > 1 || t.name == "soft") reference_case(t, s, -1.5f);
    }
  }
  for (Sizes s : {Sizes{1, 3}, Sizes{4, 5}, Sizes{8, 10}}) {
    auto [n, c] = s;
    std::vector<Targets> all = {ids};
    all.insert(all.end(), soft.begin(), soft.end());
    for (const Targets& t : all) {
      if (n == 1 && t.name == "soft_zero_row") continue;
      const uint64_t seed = t.name == "ids" ? n + 17 : n + 19;
      cases->push_back(
          GradientCase(op.kind, op.attrs, t.name + "_" + SizesLabel(s),
                       [=, p = op.gradient_prediction, make = t.make] {
                         return Inputs(p(n, c, 3 * n + c), make(n, c, seed));
                       }));
    }
  }
  for (const Targets& t : {ids, soft[0]}) {
    const uint64_t seed = t.name == "ids" ? 32 : 33;
    cases->push_back(ThreadsCase(op.kind, op.attrs, t.name,
                                 [=, p = op.thread_prediction, make = t.make] {
                                   return Inputs(p(5000, 10, 31),
                                                 make(5000, 10, seed));
                                 }));
  }
}

// UniformLogits() is a Generator of logits in [-range, range).
Generator UniformLogits(float range) {
  return [range](int64_t n, int64_t c, uint64_t seed) {
    return RandomTensor(Shape({n, c}), seed, -range, range);
  };
}

ClassLoss CrossEntropyLoss() {
  return {kCe, CrossEntropyAttrs{}, RandomProbabilities,
          // p in [0.1, 0.6), unnormalized (used as given): far enough from
          // the pole of log p at 0 that central differences with h = 1e-2
          // are accurate.
          [](int64_t n, int64_t c, uint64_t seed) {
            return RandomTensor(Shape({n, c}), seed, 0.1f, 0.6f);
          },
          RandomProbabilities, RandomSoftTargets,
          /*zero_rows=*/true, CrossEntropyReference,
          Tolerance::Near(1e-7, 1e-6), Tolerance::Near(1e-9, 1e-6)};
}

ClassLoss SoftmaxCrossEntropyLoss() {
  return {kSce, SoftmaxCrossEntropyAttrs{}, UniformLogits(4.0f),
          UniformLogits(3.0f), UniformLogits(6.0f),
          // Rows of any sum, and an all-zero row (a masked example): the
          // VJP is dY (softmax(x) sum_c t - t) / N, the derivative of the
          // forward for every row.
          RandomSoftTargets,
          /*zero_rows=*/true, SoftmaxCrossEntropyReference,
          Tolerance::Near(1e-7, 1e-6), Tolerance::Near(1e-7, 0)};
}

// MeanSquaredError and SigmoidBinaryCrossEntropy: elementwise losses over
// any shape. The reference and thread cases draw x from [-x_range, x_range)
// and targets from [t_lo, t_hi); the gradient cases from
// [-gradient_x_range, gradient_x_range) and [gradient_t_lo, gradient_t_hi).
// Each adds a case with an all-zero target row.
void AddElementwiseLossCases(OpKind kind, const OpAttrs& attrs,
                             const ReferenceFn& reference, float x_range,
                             float t_lo, float t_hi,
                             const std::vector<Shape>& reference_shapes,
                             float reference_dy, Tolerance loss_tol,
                             Tolerance grad_tol, float gradient_x_range,
                             float gradient_t_lo, float gradient_t_hi,
                             float thread_x_range, std::vector<OpCase>* cases) {
  for (const Shape& shape : reference_shapes) {
    const uint64_t seed = shape.num_elements();
    cases->push_back(ReferenceCase(
        kind, attrs, ShapeLabel(shape),
        [=] {
          return Inputs(RandomTensor(shape, seed, -x_range, x_range),
                        RandomTensor(shape, seed + 1, t_lo, t_hi));
        },
        reference_dy, reference, loss_tol, grad_tol));
  }
  const Shape zero_row({4, 5});
  cases->push_back(ReferenceCase(
      kind, attrs, "zero_row_" + ShapeLabel(zero_row),
      [=] {
        return Inputs(RandomTensor(zero_row, 20, -x_range, x_range),
                      WithZeroRow(RandomTensor(zero_row, 21, t_lo, t_hi), 2));
      },
      reference_dy, reference, loss_tol, grad_tol));
  const float gx = gradient_x_range;
  for (const Shape& shape : {Shape({5}), Shape({4, 3}), Shape({2, 3, 4})}) {
    cases->push_back(GradientCase(kind, attrs, ShapeLabel(shape), [=] {
      return Inputs(RandomTensor(shape, 3, -gx, gx),
                    RandomTensor(shape, 4, gradient_t_lo, gradient_t_hi));
    }));
  }
  cases->push_back(GradientCase(kind, attrs, "zero_row_4x3", [=] {
    return Inputs(
        RandomTensor(Shape({4, 3}), 3, -gx, gx),
        WithZeroRow(
            RandomTensor(Shape({4, 3}), 4, gradient_t_lo, gradient_t_hi), 1));
  }));
  for (const Shape& shape : {Shape({400, 100}), Shape({333, 77})}) {
    cases->push_back(ThreadsCase(kind, attrs, ShapeLabel(shape), [=] {
      return Inputs(RandomTensor(shape, 41, -thread_x_range, thread_x_range),
                    RandomTensor(shape, 42, t_lo, t_hi));
    }));
  }
}

std::vector<OpCase> LossCases() {
  std::vector<OpCase> cases;
  AddClassLossCases(CrossEntropyLoss(), &cases);
  AddElementwiseLossCases(
      kMse, MeanSquaredErrorAttrs{}, MeanSquaredErrorReference,
      /*x_range=*/3, /*t_lo=*/-3, /*t_hi=*/3,
      {Shape({1}), Shape({7}), Shape({4, 5}), Shape({2, 3, 4}), Shape({3, 17}),
       Shape({64, 784})},
      /*reference_dy=*/-0.6f, Tolerance::Near(0, 1e-6),
      Tolerance::Near(1e-9, 1e-6), /*gradient_x_range=*/2,
      /*gradient_t_lo=*/-2, /*gradient_t_hi=*/2, /*thread_x_range=*/3, &cases);
  AddElementwiseLossCases(
      kSbce, SigmoidBinaryCrossEntropyAttrs{},
      SigmoidBinaryCrossEntropyReference, /*x_range=*/6, /*t_lo=*/0,
      /*t_hi=*/1,
      {Shape({1}), Shape({7}), Shape({4, 5}), Shape({2, 3, 4}), Shape({3, 17})},
      /*reference_dy=*/0.8f, Tolerance::Near(0, 2e-6),
      Tolerance::Near(1e-8, 1e-6), /*gradient_x_range=*/4,
      /*gradient_t_lo=*/0, /*gradient_t_hi=*/1, /*thread_x_range=*/8, &cases);
  AddClassLossCases(SoftmaxCrossEntropyLoss(), &cases);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Loss, OpCaseTest, ::testing::ValuesIn(LossCases()),
                         OpCaseName);

std::vector<ShapeCase> LossShapeCases() {
  const Shape open({kUnknown, 10});
  return {
      {"SigmoidBinaryCrossEntropy_unknown_batch",
       kSbce,
       SigmoidBinaryCrossEntropyAttrs{},
       {Shape({kUnknown, 3}), Shape({kUnknown, 3})},
       Shape()},
      {"SoftmaxCrossEntropy_unknown_batch_ids",
       kSce,
       SoftmaxCrossEntropyAttrs{},
       {open, Shape({kUnknown})},
       Shape()},
      {"SoftmaxCrossEntropy_unknown_batch_soft",
       kSce,
       SoftmaxCrossEntropyAttrs{},
       {open, open},
       Shape()},
  };
}

INSTANTIATE_TEST_SUITE_P(Loss, ShapeInferenceTest,
                         ::testing::ValuesIn(LossShapeCases()), ShapeCaseName);

std::vector<ShapeErrorCase> LossShapeErrorCases() {
  std::vector<ShapeErrorCase> cases;
  auto add = [&](OpKind kind, const OpAttrs& attrs, const std::string& label,
                 Shape a, Shape b, std::string part) {
    cases.push_back({absl::StrCat(OpName(kind), "_", label),
                     kind,
                     attrs,
                     {std::move(a), std::move(b)},
                     {std::move(part)}});
  };
  // The class-id losses share one label contract.
  for (const auto& [kind, attrs] : std::vector<std::pair<OpKind, OpAttrs>>{
           {kCe, CrossEntropyAttrs{}}, {kSce, SoftmaxCrossEntropyAttrs{}}}) {
    add(kind, attrs, "rank1", Shape({10}), Shape({10}), "rank 2");
    add(kind, attrs, "rank3", Shape({2, 3, 4}), Shape({2}), "rank 2");
    add(kind, attrs, "no_classes", Shape({4, 0}), Shape({4}), "C >= 1");
    add(kind, attrs, "empty_batch", Shape({0, 3}), Shape({0}), "empty batch");
    add(kind, attrs, "ids_batch", Shape({4, 3}), Shape({5}),
        "labels [5] must be");
    add(kind, attrs, "soft_classes", Shape({4, 3}), Shape({4, 2}),
        "labels [4,2] must be");
    add(kind, attrs, "soft_rank3", Shape({4, 3}), Shape({4, 3, 1}),
        "labels [4,3,1] must be");
  }
  const SoftmaxCrossEntropyAttrs sce;
  add(kSce, sce, "soft_classes_wide", Shape({4, 3}), Shape({4, 4}),
      "labels [4,4] must be");
  add(kSce, sce, "soft_batch", Shape({4, 3}), Shape({3, 3}),
      "labels [3,3] must be");
  add(kSce, sce, "scalar_labels", Shape({4, 3}), Shape(), "labels [] must be");
  const MeanSquaredErrorAttrs mse;
  add(kMse, mse, "scalar", Shape(), Shape(), "rank >= 1");
  add(kMse, mse, "transposed", Shape({2, 3}), Shape({3, 2}),
      "target [3,2] must have");
  add(kMse, mse, "rank", Shape({6}), Shape({2, 3}), "target [2,3] must have");
  add(kMse, mse, "extra_dim", Shape({2, 3}), Shape({2, 3, 1}),
      "target [2,3,1] must");
  add(kMse, mse, "empty", Shape({4, 0}), Shape({4, 0}), "no elements");
  const SigmoidBinaryCrossEntropyAttrs sbce;
  add(kSbce, sbce, "scalar", Shape(), Shape(), "rank >= 1");
  add(kSbce, sbce, "transposed", Shape({2, 3}), Shape({3, 2}),
      "targets [3,2] must have");
  add(kSbce, sbce, "rank", Shape({6}), Shape({2, 3}),
      "targets [2,3] must have");
  add(kSbce, sbce, "missing_dim", Shape({2, 3}), Shape({2}),
      "targets [2] must have");
  add(kSbce, sbce, "empty", Shape({0, 3}), Shape({0, 3}), "no elements");
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Loss, ShapeErrorTest,
                         ::testing::ValuesIn(LossShapeErrorCases()),
                         ShapeErrorCaseName);

// ---------------------------------------------------------------------------
// Op-specific cases.

struct LossRun {
  float loss = 0;
  Tensor grad;
};

// RunLoss() runs a loss on (prediction, targets) with dL/dY = dy on one
// thread.
LossRun RunLoss(OpKind kind, const OpAttrs& attrs, Tensor x, Tensor t,
                float dy = 1.0f) {
  std::vector<Tensor> inputs = Inputs(std::move(x), std::move(t));
  Tensor g = Tensor::FromValues(Shape(), {dy});
  auto r = RunOp(kind, attrs, inputs, &g, 1);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  EXPECT_EQ(r->y.shape(), Shape());
  return {r->y[0], std::move(r->grads[0])};
}

TEST(LossTest, TargetsAreNotDifferentiable) {
  for (OpKind kind : {kCe, kMse, kSbce, kSce}) {
    const OpDef* def = FindOp(kind);
    ASSERT_NE(def, nullptr) << OpName(kind);
    EXPECT_TRUE(def->IsDifferentiableInput(0)) << OpName(kind);
    EXPECT_FALSE(def->IsDifferentiableInput(1)) << OpName(kind);
  }
}

// ExpectLabelError() requires the forward to fail with InvalidArgument
// naming the op, example 2 and `value`, and a VJP after it to fail (the
// failed forward leaves no result to use).
void ExpectLabelError(OpKind kind, const OpAttrs& attrs, Tensor x, float bad,
                      const std::string& value) {
  Tensor labels = Tensor::FromValues(Shape({4}), {0, 2, bad, 1});
  ThreadPool pool(1);
  auto op = EagerOp::Create(kind, attrs, {x.shape(), labels.shape()}, &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  absl::Status s = (*op)->Forward({&x, &labels});
  ASSERT_FALSE(s.ok()) << value;
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(s.message());
  EXPECT_EQ(message.rfind(absl::StrCat(OpName(kind), ": "), 0), 0u) << message;
  EXPECT_NE(message.find("example 2"), std::string::npos) << message;
  EXPECT_NE(message.find("label " + value + " "), std::string::npos) << message;
  Tensor dx = Tensor::Zeros(x.shape());
  Tensor dy = Tensor::FromValues(Shape(), {1});
  EXPECT_FALSE((*op)->Vjp(0, dy, &dx).ok());
}

TEST(LossTest, ForwardRejectsBadClassIds) {
  const std::pair<float, std::string> bad[] = {
      {3, "3"},      {-1, "-1"},   {2.25f, "2.25"},
      {1.5f, "1.5"}, {NAN, "nan"}, {INFINITY, "inf"}};
  for (const auto& [value, text] : bad) {
    ExpectLabelError(kCe, CrossEntropyAttrs{}, RandomProbabilities(4, 3, 1),
                     value, text);
    ExpectLabelError(kSce, SoftmaxCrossEntropyAttrs{},
                     RandomTensor(Shape({4, 3}), 1), value, text);
  }
}

TEST(CrossEntropyTest, ZeroProbabilityIsInfiniteOnlyWhereTargeted) {
  // Row 0: p = 0 at its label: infinite loss and gradient, reported as such.
  auto p = [] { return Tensor::FromValues(Shape({2, 2}), {0, 1, 0.5f, 0.5f}); };
  LossRun r = RunLoss(kCe, CrossEntropyAttrs{}, p(),
                      Tensor::FromValues(Shape({2}), {0, 1}));
  EXPECT_EQ(r.loss, INFINITY);
  EXPECT_EQ(r.grad[0], -INFINITY);
  EXPECT_EQ(r.grad[1], 0.0f);
  // p = 0 where the target is 0 contributes nothing (0 log 0 = 0).
  r = RunLoss(kCe, CrossEntropyAttrs{}, p(),
              Tensor::FromValues(Shape({2, 2}), {0, 1, 0, 1}));
  EXPECT_NEAR(r.loss, std::log(2.0) / 2, 1e-7);
  EXPECT_EQ(r.grad[0], 0.0f);
  EXPECT_FLOAT_EQ(r.grad[1], -0.5f);
  EXPECT_EQ(r.grad[2], 0.0f);
  EXPECT_FLOAT_EQ(r.grad[3], -1.0f);
}

TEST(MeanSquaredErrorTest, KnownValues) {
  LossRun r = RunLoss(kMse, MeanSquaredErrorAttrs{},
                      Tensor::FromValues(Shape({2, 2}), {1, 2, 3, 4}),
                      Tensor::FromValues(Shape({2, 2}), {0, 2, 5, 3.5f}));
  EXPECT_FLOAT_EQ(r.loss, (1 + 0 + 4 + 0.25f) / 4);
  const float want[] = {0.5f, 0, -1, 0.25f};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(r.grad[i], want[i]) << i;
}

TEST(SigmoidBinaryCrossEntropyTest, StableForLargeLogits) {
  LossRun r = RunLoss(
      kSbce, SigmoidBinaryCrossEntropyAttrs{},
      Tensor::FromValues(Shape({3, 2}), {1000, -1000, 1000, -1000, 100, -100}),
      Tensor::FromValues(Shape({3, 2}), {1, 0, 0, 1, 0.5f, 0.5f}));
  // Per element: 0, 0, 1000, 1000, 50, 50.
  EXPECT_NEAR(r.loss, 2100.0 / 6, 1e-4);
  const float want_dx[] = {0, 0, 1, -1, 0.5f, -0.5f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(r.grad[i], want_dx[i] / 6, 1e-7);
}

TEST(SoftmaxCrossEntropyTest, StableForLargeLogits) {
  LossRun r = RunLoss(kSce, SoftmaxCrossEntropyAttrs{},
                      Tensor::FromValues(Shape({3, 3}), {1000, -1000, 0,     //
                                                         1000, 1000, -1000,  //
                                                         -1000, -1000, -1000}),
                      Tensor::FromValues(Shape({3}), {1, 0, 2}));
  // loss = (2000 + ln 2 + ln 3) / 3.
  EXPECT_NEAR(r.loss, (2000 + std::log(2.0) + std::log(3.0)) / 3, 1e-3);
  const float want_dx[] = {1, -1,       0,        -0.5f,    0.5f,
                           0, 1 / 3.0f, 1 / 3.0f, -2 / 3.0f};
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(r.grad[i], want_dx[i] / 3, 1e-7);
}

TEST(SoftmaxCrossEntropyTest, OneHotTargetsEqualClassIds) {
  Tensor ids = RandomClassIds(6, 4, /*seed=*/6);
  Tensor one_hot = Tensor::Zeros(Shape({6, 4}));
  for (int r = 0; r < 6; ++r) one_hot[r * 4 + static_cast<int>(ids[r])] = 1;
  auto x = [] { return RandomTensor(Shape({6, 4}), /*seed=*/5, -3.0f, 3.0f); };
  LossRun a = RunLoss(kSce, SoftmaxCrossEntropyAttrs{}, x(), std::move(ids));
  LossRun b =
      RunLoss(kSce, SoftmaxCrossEntropyAttrs{}, x(), std::move(one_hot));
  EXPECT_NEAR(a.loss, b.loss, 1e-6);
  for (int i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(a.grad[i], b.grad[i]) << i;
}

}  // namespace
}  // namespace dagrad
