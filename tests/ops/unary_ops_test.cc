// The unary ops (one input, one output of its shape or row-wise over its
// last axis): Identity, LogSoftmax, Relu, Scale, Sigmoid, Softmax, Tanh.
//
// The family table (tests/testing/op_family.h) states per op: the shape and
// attribute sweep, the input generator (Relu's inputs stay 0.05 from its
// kink, so no kink is allowed), the naive reference forward and VJP with
// their tolerances, the gradient checker's epsilon and tolerances, a large
// case for the 1-vs-2-thread bitwise check, and the shape errors. Cases that
// fit no table (known values, extremes, accuracy over the whole float line)
// are the TESTs at the bottom.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/cpu/vec_math.h"
#include "ops/eager.h"
#include "ops/identity.h"
#include "ops/log_softmax.h"
#include "ops/relu.h"
#include "ops/scale.h"
#include "ops/sigmoid.h"
#include "ops/softmax.h"
#include "ops/tanh.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

// RandomDy() is a dy() that draws dL/dy uniform in [-1, 1) from `seed`.
std::function<Tensor(const Tensor&)> RandomDy(uint64_t seed) {
  return [seed](const Tensor& y) { return RandomTensor(y.shape(), seed); };
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

ScaleAttrs ScaleBy(float alpha) {
  ScaleAttrs attrs;
  attrs.alpha = alpha;
  return attrs;
}

// SmoothActivationCases() is the sweep shared by Sigmoid and Tanh: a
// reference over sizes around the 16-float chunk (the padded tail), y within
// 1e-6 relative and dy * f'(y) within 4 ulps; gradients at 4 shapes on 1
// and 2 threads over [-3, 3]; and a 2^20 + 13 element 1-vs-2-thread check.
void AddSmoothActivationCases(OpKind kind, const OpAttrs& attrs,
                              double (*f)(double), float (*df_dy)(float y),
                              float reference_range, float thread_range,
                              std::vector<OpCase>* cases) {
  auto reference = ElementwiseReference(
      [f](float x) { return f(x); },
      [df_dy](float, float y, float dy) { return dy * df_dy(y); });
  std::vector<Shape> shapes;
  for (int64_t n : {1, 15, 16, 17, 33, 1000}) shapes.push_back(Shape({n}));
  shapes.push_back(Shape({3, 5, 7}));
  for (const Shape& shape : shapes) {
    const uint64_t seed = shape.rank() == 1 ? shape.dim(0) : 3;
    OpCase c = MakeCase(kind, attrs, "reference_" + ShapeLabel(shape), [=] {
      return Inputs(
          RandomTensor(shape, seed, -reference_range, reference_range));
    });
    c.dy = RandomDy(seed + 100);
    c.reference = reference;
    c.y_tolerance = Tolerance::Accurate(1e-6);
    c.grad_tolerance = Tolerance::Ulps(4);
    cases->push_back(c);
  }
  int seed = 1;
  for (const Shape& shape :
       {Shape({7}), Shape({4, 9}), Shape({3, 5, 7}), Shape({2, 3, 5, 5})}) {
    for (int threads : {1, 2}) {
      const uint64_t s = ++seed;
      OpCase c =
          MakeCase(kind, attrs,
                   absl::StrCat("gradient_", ShapeLabel(shape), "_", threads),
                   [=] { return Inputs(RandomTensor(shape, s, -3.0f, 3.0f)); });
      c.gradient = GradientOptions(1e-3, 1e-3, 1e-4);
      c.gradient->num_threads = threads;
      cases->push_back(c);
    }
  }
  // Odd size: several blocks per thread plus a padded tail.
  OpCase c = MakeCase(kind, attrs, "threads", [=] {
    return Inputs(
        RandomTensor(Shape({(1 << 20) + 13}), 21, -thread_range, thread_range));
  });
  c.dy = RandomDy(22);
  c.bitwise_threads = true;
  cases->push_back(c);
}

// AddRowSoftmaxCases() is the sweep shared by Softmax and LogSoftmax.
void AddRowSoftmaxCases(OpKind kind, const OpAttrs& attrs,
                        const ReferenceFn& reference, Tolerance y_tolerance,
                        Tolerance grad_tolerance, std::vector<OpCase>* cases) {
  for (const Shape& shape : {Shape({1}), Shape({5}), Shape({3, 7}),
                             Shape({2, 3, 4}), Shape({4, 33})}) {
    OpCase c = MakeCase(kind, attrs, "reference_" + ShapeLabel(shape), [=] {
      return Inputs(RandomTensor(shape, 7, -5.0f, 5.0f));
    });
    c.dy = RandomDy(8);
    c.reference = reference;
    c.y_tolerance = y_tolerance;
    c.grad_tolerance = grad_tolerance;
    cases->push_back(c);
  }
  for (const Shape& shape :
       {Shape({7}), Shape({4, 9}), Shape({2, 3, 5}), Shape({3, 1})}) {
    OpCase c = MakeCase(kind, attrs, "gradient_" + ShapeLabel(shape), [=] {
      return Inputs(RandomTensor(shape, 11, -3.0f, 3.0f));
    });
    c.gradient = GradientOptions(1e-2, 1e-2, 1e-4);
    cases->push_back(c);
  }
  // 40000 elements: rows split over both threads.
  OpCase c = MakeCase(kind, attrs, "threads", [] {
    return Inputs(RandomTensor(Shape({4000, 10}), 21, -6.0f, 6.0f));
  });
  c.dy = RandomDy(22);
  c.bitwise_threads = true;
  cases->push_back(c);
}

// RowReference() applies `row` (x, dy -> y, dx, in double) to each row of
// the last axis.
ReferenceFn RowReference(std::function<void(const double* x, const double* dy,
                                            int64_t c, double* y, double* dx)>
                             row) {
  return [row](const ReferenceArgs& args) {
    const Tensor& x = args.inputs[0];
    const int64_t c = x.shape().dim(-1);
    Reference r;
    r.y.resize(x.size());
    r.grads.assign(1, std::vector<double>(x.size()));
    std::vector<double> xr(c), dyr(c);
    for (int64_t base = 0; base < x.size(); base += c) {
      for (int64_t i = 0; i < c; ++i) {
        xr[i] = x[base + i];
        dyr[i] = args.dy[base + i];
      }
      row(xr.data(), dyr.data(), c, &r.y[base], &r.grads[0][base]);
    }
    return r;
  };
}

// y = softmax(x); dx = y * (dy - sum(dy * y)).
void SoftmaxRow(const double* x, const double* dy, int64_t c, double* y,
                double* dx) {
  double m = -INFINITY;
  for (int64_t i = 0; i < c; ++i) m = std::max(m, x[i]);
  double s = 0;
  for (int64_t i = 0; i < c; ++i) s += std::exp(x[i] - m);
  double dot = 0;
  for (int64_t i = 0; i < c; ++i) {
    y[i] = std::exp(x[i] - m) / s;
    dot += dy[i] * y[i];
  }
  for (int64_t i = 0; i < c; ++i) dx[i] = y[i] * (dy[i] - dot);
}

// y = x - logsumexp(x); dx = dy - exp(y) * sum(dy).
void LogSoftmaxRow(const double* x, const double* dy, int64_t c, double* y,
                   double* dx) {
  double m = -INFINITY;
  for (int64_t i = 0; i < c; ++i) m = std::max(m, x[i]);
  double s = 0, sum_dy = 0;
  for (int64_t i = 0; i < c; ++i) {
    s += std::exp(x[i] - m);
    sum_dy += dy[i];
  }
  for (int64_t i = 0; i < c; ++i) {
    y[i] = x[i] - m - std::log(s);
    dx[i] = dy[i] - std::exp(y[i]) * sum_dy;
  }
}

std::vector<OpCase> UnaryCases() {
  std::vector<OpCase> cases;

  // Relu: inputs at least 0.05 from the kink at 0 (epsilon is 1e-2), so no
  // point may be skipped as near a kink (the default allowance, 0).
  auto relu_reference = ElementwiseReference(
      [](float x) { return x > 0 ? x : 0.0f; },
      [](float x, float, float dy) { return x > 0 ? dy : 0.0f; });
  for (const Shape& shape : {Shape({7}), Shape({4, 9}), Shape({2, 3, 5, 5})}) {
    OpCase c = MakeCase(
        OpKind::kRelu, ReluAttrs{}, "gradient_" + ShapeLabel(shape), [=] {
          return Inputs(RandomTensorAwayFromZero(shape, 11, /*margin=*/0.05f));
        });
    c.gradient = GradientCheckOptions{};
    c.gradient->max_kink_fraction = 0;  // Stated: no point may be skipped.
    cases.push_back(c);
  }
  for (const Shape& shape : {Shape({3, 5, 7}), Shape({100000})}) {
    const uint64_t seed = shape.rank() == 1 ? 5 : 3;
    OpCase c =
        MakeCase(OpKind::kRelu, ReluAttrs{}, "reference_" + ShapeLabel(shape),
                 [=] { return Inputs(RandomTensor(shape, seed)); });
    c.reference = relu_reference;  // Exact.
    c.bitwise_threads = shape.rank() == 1;
    cases.push_back(c);
  }

  AddSmoothActivationCases(
      OpKind::kSigmoid, SigmoidAttrs{}, Sigmoid,
      [](float y) { return y * (1.0f - y); }, 8.0f, 10.0f, &cases);
  AddSmoothActivationCases(
      OpKind::kTanh, TanhAttrs{}, [](double x) { return std::tanh(x); },
      [](float y) { return 1.0f - y * y; }, 4.0f, 5.0f, &cases);

  // Identity: exact copies both ways.
  auto identity_reference = ElementwiseReference(
      [](float x) { return x; }, [](float, float, float dy) { return dy; });
  for (const Shape& shape :
       {Shape(), Shape({1}), Shape({17}), Shape({3, 5}), Shape({2, 3, 4, 5})}) {
    OpCase c = MakeCase(OpKind::kIdentity, IdentityAttrs{},
                        "reference_" + ShapeLabel(shape),
                        [=] { return Inputs(RandomTensor(shape, 4)); });
    c.dy = RandomDy(5);
    c.reference = identity_reference;
    cases.push_back(c);
  }
  {
    int seed = 1;
    for (const Shape& shape :
         {Shape({7}), Shape({4, 9}), Shape({3, 5, 7}), Shape({2, 3, 5, 5})}) {
      const uint64_t s = ++seed;
      OpCase c = MakeCase(OpKind::kIdentity, IdentityAttrs{},
                          "gradient_" + ShapeLabel(shape),
                          [=] { return Inputs(RandomTensor(shape, s)); });
      c.gradient = GradientCheckOptions{};
      cases.push_back(c);
    }
    // Large enough for two copy blocks, odd so they are uneven.
    OpCase c = MakeCase(OpKind::kIdentity, IdentityAttrs{}, "threads", [] {
      return Inputs(RandomTensor(Shape({(1 << 20) + 13}), 21));
    });
    c.dy = RandomDy(22);
    c.reference = identity_reference;
    c.bitwise_threads = true;
    cases.push_back(c);
  }

  // Scale: y = alpha * x and dx = alpha * dy, exactly as float products.
  auto scale_reference = [](float alpha) {
    return ElementwiseReference(
        [alpha](float x) { return alpha * x; },
        [alpha](float, float, float dy) { return alpha * dy; });
  };
  {
    OpCase c = MakeCase(OpKind::kScale, ScaleBy(-2.5f), "reference", [] {
      return Inputs(RandomTensor(Shape({3, 5, 7}), 1));
    });
    c.reference = scale_reference(-2.5f);
    cases.push_back(c);
    for (float alpha : {0.5f, -3.0f}) {
      for (const Shape& shape : {Shape({7}), Shape({4, 9}), Shape({2, 3, 5})}) {
        OpCase g =
            MakeCase(OpKind::kScale, ScaleBy(alpha),
                     absl::StrCat("gradient_", alpha, "_", ShapeLabel(shape)),
                     [=] { return Inputs(RandomTensor(shape, 11)); });
        g.gradient = GradientCheckOptions{};
        cases.push_back(g);
      }
    }
    OpCase t = MakeCase(OpKind::kScale, ScaleBy(0.3f), "threads", [] {
      return Inputs(RandomTensor(Shape({100003}), 5));
    });
    t.reference = scale_reference(0.3f);
    t.bitwise_threads = true;
    cases.push_back(t);
  }

  AddRowSoftmaxCases(OpKind::kSoftmax, SoftmaxAttrs{}, RowReference(SoftmaxRow),
                     Tolerance::Near(1e-9, 1e-6), Tolerance::Near(1e-6, 0),
                     &cases);
  AddRowSoftmaxCases(OpKind::kLogSoftmax, LogSoftmaxAttrs{},
                     RowReference(LogSoftmaxRow), Tolerance::Near(1e-6, 2e-6),
                     Tolerance::Near(2e-6, 0), &cases);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Unary, OpCaseTest, ::testing::ValuesIn(UnaryCases()),
                         OpCaseName);

// The elementwise ops pass any shape through, the unknown batch too.
std::vector<ShapeCase> UnaryShapeCases() {
  std::vector<ShapeCase> cases;
  const std::vector<std::pair<OpKind, OpAttrs>> elementwise = {
      {OpKind::kIdentity, IdentityAttrs{}},
      {OpKind::kRelu, ReluAttrs{}},
      {OpKind::kScale, ScaleBy(2.0f)},
      {OpKind::kSigmoid, SigmoidAttrs{}},
      {OpKind::kTanh, TanhAttrs{}}};
  for (const auto& [kind, attrs] : elementwise) {
    for (const Shape& shape :
         {Shape(), Shape({5}), Shape({kUnknown, 10}), Shape({2, 3, 4, 5})}) {
      cases.push_back({absl::StrCat(OpName(kind), "_", ShapeLabel(shape)),
                       kind,
                       attrs,
                       {shape},
                       shape});
    }
  }
  for (const auto& [kind, attrs] : std::vector<std::pair<OpKind, OpAttrs>>{
           {OpKind::kSoftmax, SoftmaxAttrs{}},
           {OpKind::kLogSoftmax, LogSoftmaxAttrs{}}}) {
    cases.push_back({absl::StrCat(OpName(kind), "_unknown_batch"),
                     kind,
                     attrs,
                     {Shape({kUnknown, 10})},
                     Shape({kUnknown, 10})});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Unary, ShapeInferenceTest,
                         ::testing::ValuesIn(UnaryShapeCases()), ShapeCaseName);

std::vector<ShapeErrorCase> UnaryShapeErrorCases() {
  std::vector<ShapeErrorCase> cases;
  const std::vector<std::pair<OpKind, OpAttrs>> all = {
      {OpKind::kIdentity, IdentityAttrs{}},
      {OpKind::kLogSoftmax, LogSoftmaxAttrs{}},
      {OpKind::kRelu, ReluAttrs{}},
      {OpKind::kScale, ScaleBy(2.0f)},
      {OpKind::kSigmoid, SigmoidAttrs{}},
      {OpKind::kSoftmax, SoftmaxAttrs{}},
      {OpKind::kTanh, TanhAttrs{}}};
  for (const auto& [kind, attrs] : all) {
    cases.push_back({absl::StrCat(OpName(kind), "_two_inputs"),
                     kind,
                     attrs,
                     {Shape({2, 3}), Shape({4})},
                     {"inputs, got 2"}});
  }
  for (const auto& [kind, attrs] : std::vector<std::pair<OpKind, OpAttrs>>{
           {OpKind::kSoftmax, SoftmaxAttrs{}},
           {OpKind::kLogSoftmax, LogSoftmaxAttrs{}}}) {
    const std::string op = OpName(kind);
    cases.push_back({op + "_scalar", kind, attrs, {Shape()}, {"rank >= 1"}});
    cases.push_back(
        {op + "_empty_axis", kind, attrs, {Shape({3, 0})}, {"last axis"}});
    cases.push_back({op + "_unknown_axis",
                     kind,
                     attrs,
                     {Shape({3, kUnknown})},
                     {"last axis"}});
  }
  ScaleAttrs infinite = ScaleBy(std::numeric_limits<float>::infinity());
  cases.push_back({"Scale_infinite_alpha",
                   OpKind::kScale,
                   infinite,
                   {Shape({2, 3})},
                   {"must be finite"}});
  cases.push_back({"Scale_nan_alpha",
                   OpKind::kScale,
                   ScaleBy(std::nanf("")),
                   {Shape({2, 3})},
                   {"must be finite"}});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Unary, ShapeErrorTest,
                         ::testing::ValuesIn(UnaryShapeErrorCases()),
                         ShapeErrorCaseName);

// ---------------------------------------------------------------------------
// Op-specific cases.

// RunUnary() runs one op on `x` with dL/dy = `dy` on one thread.
OpRun RunUnary(OpKind kind, const OpAttrs& attrs, Tensor x, const Tensor& dy) {
  std::vector<Tensor> inputs = Inputs(std::move(x));
  auto r = RunOp(kind, attrs, inputs, &dy, 1);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(*r) : OpRun{};
}

// ExpectAccurate() is Tolerance::Accurate(1e-6) with the input in the
// message.
void ExpectAccurate(float x, float got, double want) {
  ASSERT_TRUE(Tolerance::Accurate(1e-6).Matches(got, want))
      << "x=" << x << " got " << got << " want " << want;
}

// WholeFloatLine() is every 4099th bit pattern (~1M floats, all magnitudes
// and both signs, no NaN), a dense sweep of [-limit, limit] in steps of
// 1e-4, and `extra`.
std::vector<float> WholeFloatLine(int limit_steps,
                                  const std::vector<float>& extra) {
  std::vector<float> xs;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4099) {
    const uint32_t b = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, sizeof(f));
    if (!std::isnan(f)) xs.push_back(f);
  }
  for (int i = -limit_steps; i <= limit_steps; ++i) xs.push_back(i * 1e-4f);
  xs.insert(xs.end(), extra.begin(), extra.end());
  return xs;
}

void ExpectAccurateOn(OpKind kind, const OpAttrs& attrs,
                      const std::vector<float>& xs, double (*f)(double)) {
  Tensor x = Tensor::FromValues(Shape({static_cast<int64_t>(xs.size())}), xs);
  auto y = RunForward(kind, attrs, {&x});
  ASSERT_TRUE(y.ok()) << y.status();
  for (int64_t i = 0; i < x.size(); ++i) {
    ExpectAccurate(x[i], (*y)[i], f(x[i]));
    if (::testing::Test::HasFatalFailure()) return;  // One report, not 1M.
  }
}

// RunOnIssueValues() runs `kind` on the forward and VJP values of the
// op-library issue: x = {0.1, -0.2, 0.3, -0.4, 0.5, -0.6} and
// dy = {5, 10, -10, -5, 0, 10}, both [2,3].
OpRun RunOnIssueValues(OpKind kind, const OpAttrs& attrs) {
  return RunUnary(kind, attrs,
                  Tensor::FromValues(Shape({2, 3}),
                                     {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f}),
                  Tensor::FromValues(Shape({2, 3}), {5, 10, -10, -5, 0, 10}));
}

TEST(ReluTest, KnownValues) {
  OpRun r = RunOnIssueValues(OpKind::kRelu, ReluAttrs{});
  const float expected_y[] = {0.1f, 0, 0.3f, 0, 0.5f, 0};
  const float expected_dx[] = {5, 0, -10, 0, 0, 0};
  for (int i = 0; i < 6; ++i) {
    EXPECT_FLOAT_EQ(r.y[i], expected_y[i]);
    EXPECT_FLOAT_EQ(r.grads[0][i], expected_dx[i]);
  }
}

TEST(ReluTest, SubgradientAtZeroIsZero) {
  OpRun r = RunUnary(OpKind::kRelu, ReluAttrs{},
                     Tensor::FromValues(Shape({2}), {0.0f, -0.0f}),
                     Tensor::FromValues(Shape({2}), {1, 1}));
  EXPECT_EQ(r.grads[0][0], 0.0f);
  EXPECT_EQ(r.grads[0][1], 0.0f);
}

TEST(SigmoidTest, AccurateOverTheWholeFloatLine) {
  // Plus a dense sweep of [-20, 20] and the boundaries of the exp clamp.
  ExpectAccurateOn(
      OpKind::kSigmoid, SigmoidAttrs{},
      WholeFloatLine(200000, {-87.3f, -87.4f, -88.7f, -89.0f, -100.0f, -103.9f,
                              -104.0f, -104.1f, 88.7f, 89.0f, FLT_MIN, -FLT_MIN,
                              FLT_MAX, -FLT_MAX, 0.0f, -0.0f}),
      Sigmoid);
}

TEST(TanhTest, AccurateOverTheWholeFloatLine) {
  // Plus a dense sweep of [-10, 10] and every float of +-[0.6, 0.65)
  // (crossing the 0.625 switch between the polynomial and the exp form),
  // and tiny and huge values.
  std::vector<float> extra = {0.625f,
                              -0.625f,
                              1e-30f,
                              -1e-30f,
                              FLT_MIN,
                              -FLT_MIN,
                              std::numeric_limits<float>::denorm_min(),
                              9.0f,
                              44.0f,
                              FLT_MAX,
                              -FLT_MAX,
                              0.0f};
  for (float f = 0.6f; f < 0.65f; f = std::nextafter(f, 1.0f)) {
    extra.push_back(f);
    extra.push_back(-f);
  }
  ExpectAccurateOn(OpKind::kTanh, TanhAttrs{}, WholeFloatLine(100000, extra),
                   [](double x) { return std::tanh(x); });
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

// Sigmoid and Tanh on {1000, -1000, inf, -inf, 0, -0, nan} with dL/dy = 1:
// saturated ends give exact limits and a zero gradient (no NaN), zero keeps
// its sign through Tanh (tanh(-0) = -0), and NaN stays NaN.
TEST(SmoothActivationTest, StableAtExtremes) {
  struct Row {
    OpKind kind;
    OpAttrs attrs;
    float want_y[6];
    float want_dx_at_zero;
  };
  const Row rows[] = {
      {OpKind::kSigmoid, SigmoidAttrs{}, {1, 0, 1, 0, 0.5f, 0.5f}, 0.25f},
      {OpKind::kTanh, TanhAttrs{}, {1, -1, 1, -1, 0.0f, -0.0f}, 1.0f},
  };
  const float inf = std::numeric_limits<float>::infinity();
  for (const Row& row : rows) {
    SCOPED_TRACE(OpName(row.kind));
    OpRun r =
        RunUnary(row.kind, row.attrs,
                 Tensor::FromValues(Shape({7}), {1000.0f, -1000.0f, inf, -inf,
                                                 0.0f, -0.0f, std::nanf("")}),
                 Tensor::FromValues(Shape({7}), {1, 1, 1, 1, 1, 1, 1}));
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(r.y[i], row.want_y[i]) << i;
      EXPECT_EQ(std::signbit(r.y[i]), std::signbit(row.want_y[i])) << i;
    }
    EXPECT_TRUE(std::isnan(r.y[6]));
    EXPECT_EQ(r.grads[0][0], 0.0f);
    EXPECT_EQ(r.grads[0][1], 0.0f);
    EXPECT_EQ(r.grads[0][4], row.want_dx_at_zero);
  }
}

TEST(TanhTest, KnownValues) {
  OpRun r = RunOnIssueValues(OpKind::kTanh, TanhAttrs{});
  const double expected_y[] = {0.09966799,  -0.19737532, 0.29131261,
                               -0.37994896, 0.46211716,  -0.53704957};
  const double expected_dx[] = {4.95033145,  9.61042983, -9.15136962,
                                -4.27819393, 0,          7.11577763};
  EXPECT_EQ(r.y.shape(), Shape({2, 3}));
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(r.y[i], expected_y[i], 1e-6 * std::fabs(expected_y[i])) << i;
    EXPECT_NEAR(r.grads[0][i], expected_dx[i], 1e-6 * std::fabs(expected_dx[i]))
        << i;
  }
}

TEST(SoftmaxTest, StableForLargeLogits) {
  OpRun r = RunUnary(OpKind::kSoftmax, SoftmaxAttrs{},
                     Tensor::FromValues(Shape({4, 3}), {1000, -1000, 0,       //
                                                        1000, 1000, -1000,    //
                                                        -1000, -1000, -1000,  //
                                                        -1000, -999, -1000}),
                     RandomTensor(Shape({4, 3}), /*seed=*/3));
  const float want[] = {1,        0,        0,  //
                        0.5f,     0.5f,     0,  //
                        1 / 3.0f, 1 / 3.0f, 1 / 3.0f};
  for (int i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(r.y[i], want[i]) << i;
  const double e = std::exp(-1.0);
  EXPECT_NEAR(r.y[10], 1 / (1 + 2 * e), 1e-6);
  EXPECT_NEAR(r.y[9], e / (1 + 2 * e), 1e-6);
  for (int i = 0; i < 12; ++i) {
    EXPECT_TRUE(std::isfinite(r.y[i])) << i;
    EXPECT_TRUE(std::isfinite(r.grads[0][i])) << i;
  }
}

TEST(SoftmaxTest, NonFiniteRowsGiveNaNAndLeaveOtherRowsAlone) {
  Tensor x = Tensor::FromValues(Shape({4, 2}), {NAN, 1, INFINITY, 1,   //
                                                -INFINITY, -INFINITY,  //
                                                0, -INFINITY});
  auto y = RunForward(OpKind::kSoftmax, SoftmaxAttrs{}, {&x});
  ASSERT_TRUE(y.ok()) << y.status();
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(std::isnan((*y)[i])) << i;
  EXPECT_EQ((*y)[6], 1.0f);  // A -inf logit beside finite ones is just 0.
  EXPECT_EQ((*y)[7], 0.0f);
}

TEST(LogSoftmaxTest, StableForLargeLogits) {
  OpRun r = RunUnary(OpKind::kLogSoftmax, LogSoftmaxAttrs{},
                     Tensor::FromValues(Shape({3, 3}), {1000, -1000, 0,     //
                                                        1000, 1000, -1000,  //
                                                        -1000, -1000, -1000}),
                     RandomTensor(Shape({3, 3}), /*seed=*/3));
  const float ln2 = std::log(2.0f);
  const float ln3 = std::log(3.0f);
  const float want[] = {0,    -2000, -1000,        //
                        -ln2, -ln2,  -2000 - ln2,  //
                        -ln3, -ln3,  -ln3};
  for (int i = 0; i < 9; ++i) {
    EXPECT_NEAR(r.y[i], want[i], 1e-6 * std::fabs(want[i]) + 1e-6) << i;
    EXPECT_TRUE(std::isfinite(r.grads[0][i])) << i;
    EXPECT_LE(r.y[i], 0.0f) << i;
  }
}

TEST(LogSoftmaxTest, NonFiniteRowsGiveNaN) {
  OpRun r = RunUnary(OpKind::kLogSoftmax, LogSoftmaxAttrs{},
                     Tensor::FromValues(Shape({3, 2}), {NAN, 1, INFINITY, 1,  //
                                                        -INFINITY, -INFINITY}),
                     Tensor::FromValues(Shape({3, 2}), {1, 2, 3, 4, 5, 6}));
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(std::isnan(r.y[i])) << i;
    EXPECT_TRUE(std::isnan(r.grads[0][i])) << i;
  }
}

TEST(LogSoftmaxTest, MinusInfinityBesideFiniteLogitsIsExact) {
  OpRun r = RunUnary(OpKind::kLogSoftmax, LogSoftmaxAttrs{},
                     Tensor::FromValues(Shape({1, 3}), {0, -INFINITY, 0}),
                     Tensor::FromValues(Shape({1, 3}), {1, 2, 3}));
  EXPECT_FLOAT_EQ(r.y[0], -std::log(2.0f));
  EXPECT_EQ(r.y[1], -INFINITY);
  EXPECT_FLOAT_EQ(r.grads[0][0], 1 - 0.5f * 6);
  EXPECT_EQ(r.grads[0][1], 2.0f);  // softmax = 0 there.
  EXPECT_FLOAT_EQ(r.grads[0][2], 3 - 0.5f * 6);
}

}  // namespace
}  // namespace dagrad
