// The elementwise math ops (Exp, Log, Sqrt, Rsqrt, Pow, Abs, Neg) and
// activations (LeakyRelu, Elu, Gelu in both forms, Softplus, Swish).
//
// One sweep per op and attribute value (tests/testing/op_family.h): inputs
// on the op's domain (Log, Sqrt, Rsqrt and fractional Pow on [0.1, 5) or
// [0.5, 2); the kinked Abs, LeakyRelu and Elu with alpha != 1 at least 0.05
// from 0, so no kink is allowed), a naive reference in double for y and
// dL/dx over sizes around the 16-float chunk, the gradient check at three
// shapes (the kinked ops at epsilon 1e-2, the smooth ones at 1e-3), a
// 2^18 + 13 element 1-vs-2-thread check, the shapes passed through (unknown
// batch too) and the shape errors (arity, non-finite attributes). Known
// values and extremes follow the table.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/abs.h"
#include "ops/elu.h"
#include "ops/exp.h"
#include "ops/gelu.h"
#include "ops/leaky_relu.h"
#include "ops/log.h"
#include "ops/neg.h"
#include "ops/pow.h"
#include "ops/rsqrt.h"
#include "ops/softplus.h"
#include "ops/sqrt.h"
#include "ops/swish.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

// A Spec is one op at one attribute value: y = f(x), dy/dx = df(x), the
// input range [lo, hi) (kink_margin > 0: |x| >= kink_margin within
// (-hi, hi)), the reference tolerances and the gradient check's options.
struct Spec {
  std::string label;
  OpKind kind;
  OpAttrs attrs;
  std::function<double(double)> f;
  std::function<double(double)> df;
  float lo = -1.0f, hi = 1.0f;
  float kink_margin = 0.0f;
  Tolerance y_tolerance = Tolerance::Accurate(1e-6);
  Tolerance grad_tolerance = Tolerance::Near(1e-6, 1e-5);
  GradientCheckOptions gradient = GradientOptions(1e-3, 2e-3, 1e-3);
};

Tensor Draw(const Spec& s, const Shape& shape, uint64_t seed) {
  if (s.kink_margin <= 0) return RandomTensor(shape, seed, s.lo, s.hi);
  Tensor t = RandomTensorAwayFromZero(shape, seed, s.kink_margin / s.hi);
  for (int64_t i = 0; i < t.size(); ++i) t[i] *= s.hi;
  return t;
}

template <typename A>
A With(float A::*field, float value) {
  A attrs;
  attrs.*field = value;
  return attrs;
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Phi(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }
double TanhGelu(double x) {
  const double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1.0 + std::tanh(u));
}

std::vector<Spec> Specs() {
  std::vector<Spec> specs;
  auto add = [&](Spec s) { specs.push_back(std::move(s)); };
  add({"", OpKind::kExp, ExpAttrs{}, [](double x) { return std::exp(x); },
       [](double x) { return std::exp(x); }, -5.0f, 5.0f});
  add({"", OpKind::kLog, LogAttrs{}, [](double x) { return std::log(x); },
       [](double x) { return 1.0 / x; }, 0.1f, 5.0f});
  add({"", OpKind::kSqrt, SqrtAttrs{}, [](double x) { return std::sqrt(x); },
       [](double x) { return 0.5 / std::sqrt(x); }, 0.1f, 5.0f});
  add({"", OpKind::kRsqrt, RsqrtAttrs{},
       [](double x) { return 1.0 / std::sqrt(x); },
       [](double x) { return -0.5 * std::pow(x, -1.5); }, 0.1f, 5.0f});
  for (float p : {2.0f, -1.0f, 0.5f, -1.5f, 0.0f, 1.0f}) {
    add({absl::StrCat("p", p), OpKind::kPow, With(&PowAttrs::exponent, p),
         [p](double x) { return std::pow(x, p); },
         [p](double x) { return p == 0 ? 0.0 : p * std::pow(x, p - 1); }, 0.5f,
         2.0f});
  }
  // An integer exponent takes negative bases too.
  add({"p3_signed", OpKind::kPow, With(&PowAttrs::exponent, 3.0f),
       [](double x) { return x * x * x; }, [](double x) { return 3 * x * x; },
       -2.0f, 2.0f});
  Spec abs{"",
           OpKind::kAbs,
           AbsAttrs{},
           [](double x) { return std::fabs(x); },
           [](double x) { return x > 0 ? 1.0 : -1.0; },
           -2.0f,
           2.0f,
           0.05f};
  abs.gradient = GradientCheckOptions{};
  add(abs);
  add({"", OpKind::kNeg, NegAttrs{}, [](double x) { return -x; },
       [](double) { return -1.0; }, -1.0f, 1.0f});
  for (float alpha : {0.01f, 0.2f, -0.5f}) {
    Spec s{absl::StrCat("alpha", alpha),
           OpKind::kLeakyRelu,
           With(&LeakyReluAttrs::alpha, alpha),
           [alpha](double x) { return x > 0 ? x : alpha * x; },
           [alpha](double x) { return x > 0 ? 1.0 : alpha; },
           -2.0f,
           2.0f,
           0.05f};
    s.y_tolerance = Tolerance::Ulps(0);  // One multiply.
    s.gradient = GradientCheckOptions{};
    add(s);
  }
  for (float alpha : {1.0f, 0.5f}) {
    Spec s{absl::StrCat("alpha", alpha),
           OpKind::kElu,
           With(&EluAttrs::alpha, alpha),
           [alpha](double x) { return x > 0 ? x : alpha * std::expm1(x); },
           [alpha](double x) { return x > 0 ? 1.0 : alpha * std::exp(x); },
           -4.0f,
           3.0f};
    if (alpha != 1.0f) {  // A kink at 0.
      s.lo = -3.0f;
      s.kink_margin = 0.05f;
      s.gradient = GradientCheckOptions{};
    }
    add(s);
  }
  GeluAttrs tanh_form;
  tanh_form.approximation = GeluApproximation::kTanh;
  add({"erf", OpKind::kGelu, GeluAttrs{}, [](double x) { return x * Phi(x); },
       [](double x) {
         return Phi(x) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
       },
       -5.0f, 5.0f, 0.0f, Tolerance::Near(1e-6, 1e-6)});
  add({"tanh", OpKind::kGelu, tanh_form, TanhGelu,
       [](double x) {  // Central difference of the double form.
         return (TanhGelu(x + 1e-6) - TanhGelu(x - 1e-6)) / 2e-6;
       },
       -5.0f, 5.0f, 0.0f, Tolerance::Near(1e-6, 1e-6)});
  add({"", OpKind::kSoftplus, SoftplusAttrs{},
       [](double x) { return std::log1p(std::exp(x)); }, Sigmoid, -8.0f, 8.0f,
       0.0f, Tolerance::Near(1e-7, 1e-6)});
  add({"", OpKind::kSwish, SwishAttrs{},
       [](double x) { return x * Sigmoid(x); },
       [](double x) {
         const double s = Sigmoid(x);
         return s * (1 + x * (1 - s));
       },
       -8.0f, 8.0f, 0.0f, Tolerance::Near(1e-7, 1e-6)});
  return specs;
}

std::string Label(const Spec& s, const std::string& what) {
  return s.label.empty() ? what : s.label + "_" + what;
}

std::vector<OpCase> ElementwiseCases() {
  std::vector<OpCase> cases;
  for (const Spec& s : Specs()) {
    auto reference = ElementwiseReference(
        [f = s.f](float x) { return f(x); },
        [df = s.df](float x, float, float dy) { return dy * df(x); });
    for (const Shape& shape :
         {Shape({1}), Shape({17}), Shape({3, 5, 7}), Shape({1000})}) {
      OpCase c =
          MakeCase(s.kind, s.attrs, Label(s, "reference_" + ShapeLabel(shape)),
                   [=] { return Inputs(Draw(s, shape, 3)); });
      c.reference = reference;
      c.y_tolerance = s.y_tolerance;
      c.grad_tolerance = s.grad_tolerance;
      cases.push_back(c);
    }
    for (const Shape& shape :
         {Shape({7}), Shape({4, 9}), Shape({2, 3, 5, 5})}) {
      OpCase c =
          MakeCase(s.kind, s.attrs, Label(s, "gradient_" + ShapeLabel(shape)),
                   [=] { return Inputs(Draw(s, shape, 11)); });
      c.gradient = s.gradient;
      cases.push_back(c);
    }
    OpCase t = MakeCase(s.kind, s.attrs, Label(s, "threads"), [=] {
      return Inputs(Draw(s, Shape({(1 << 18) + 13}), 21));
    });
    t.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 22); };
    t.bitwise_threads = true;
    cases.push_back(t);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Elementwise, OpCaseTest,
                         ::testing::ValuesIn(ElementwiseCases()), OpCaseName);

std::vector<ShapeCase> ElementwiseShapeCases() {
  std::vector<ShapeCase> cases;
  for (const Spec& s : Specs()) {
    for (const Shape& shape : {Shape(), Shape({kUnknown, 10})}) {
      cases.push_back({absl::StrCat(OpName(s.kind), "_", Label(s, "")),
                       s.kind,
                       s.attrs,
                       {shape},
                       shape});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Elementwise, ShapeInferenceTest,
                         ::testing::ValuesIn(ElementwiseShapeCases()),
                         ShapeCaseName);

std::vector<ShapeErrorCase> ElementwiseShapeErrorCases() {
  std::vector<ShapeErrorCase> cases;
  for (const Spec& s : Specs()) {
    cases.push_back({absl::StrCat(OpName(s.kind), "_two_inputs", s.label),
                     s.kind,
                     s.attrs,
                     {Shape({2, 3}), Shape({4})},
                     {"inputs, got 2"}});
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (float bad : {inf, -inf, std::nanf("")}) {
    const std::string v = absl::StrCat(bad);
    cases.push_back({"Pow_exponent_" + v,
                     OpKind::kPow,
                     With(&PowAttrs::exponent, bad),
                     {Shape({2, 3})},
                     {"exponent " + v + " must be finite"}});
    cases.push_back({"LeakyRelu_alpha_" + v,
                     OpKind::kLeakyRelu,
                     With(&LeakyReluAttrs::alpha, bad),
                     {Shape({2, 3})},
                     {"alpha " + v + " must be finite"}});
    cases.push_back({"Elu_alpha_" + v,
                     OpKind::kElu,
                     With(&EluAttrs::alpha, bad),
                     {Shape({2, 3})},
                     {"alpha " + v + " must be finite"}});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Elementwise, ShapeErrorTest,
                         ::testing::ValuesIn(ElementwiseShapeErrorCases()),
                         ShapeErrorCaseName);

// RunOne() runs `kind` on `x` with dL/dy = 1 on one thread.
OpRun RunOne(OpKind kind, const OpAttrs& attrs, std::vector<float> x) {
  const Shape shape({static_cast<int64_t>(x.size())});
  std::vector<Tensor> in = Inputs(Tensor::FromValues(shape, x));
  Tensor dy = Tensor::Zeros(shape);
  dy.Fill(1.0f);
  auto r = RunOp(kind, attrs, in, &dy, 1);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(*r) : OpRun{};
}

TEST(ElementwiseTest, DomainEdgesFollowIeee) {
  const float inf = std::numeric_limits<float>::infinity();
  OpRun log = RunOne(OpKind::kLog, LogAttrs{}, {0.0f, -1.0f, 1.0f});
  EXPECT_EQ(log.y[0], -inf);
  EXPECT_TRUE(std::isnan(log.y[1]));
  EXPECT_EQ(log.y[2], 0.0f);
  EXPECT_EQ(log.grads[0][2], 1.0f);
  OpRun exp = RunOne(OpKind::kExp, ExpAttrs{}, {100.0f, -200.0f, 0.0f});
  EXPECT_EQ(exp.y[0], inf);
  EXPECT_EQ(exp.y[1], 0.0f);
  EXPECT_EQ(exp.y[2], 1.0f);
  OpRun sqrt = RunOne(OpKind::kSqrt, SqrtAttrs{}, {4.0f, 0.0f});
  EXPECT_EQ(sqrt.y[0], 2.0f);
  EXPECT_EQ(sqrt.grads[0][0], 0.25f);
  EXPECT_EQ(sqrt.grads[0][1], inf);
  OpRun abs = RunOne(OpKind::kAbs, AbsAttrs{}, {0.0f, -0.0f, -3.0f});
  EXPECT_EQ(abs.grads[0][0], 0.0f);  // The subgradient at 0.
  EXPECT_EQ(abs.grads[0][1], 0.0f);
  EXPECT_EQ(abs.grads[0][2], -1.0f);
}

TEST(ElementwiseTest, SoftplusIsStableAtExtremes) {
  OpRun r = RunOne(OpKind::kSoftplus, SoftplusAttrs{},
                   {1000.0f, -1000.0f, 100.0f, -100.0f, 0.0f});
  EXPECT_EQ(r.y[0], 1000.0f);
  EXPECT_EQ(r.y[1], 0.0f);
  EXPECT_EQ(r.y[2], 100.0f);
  // exp(-100) is a subnormal float: within one subnormal step.
  EXPECT_NEAR(r.y[3], std::exp(-100.0),
              std::numeric_limits<float>::denorm_min());
  EXPECT_GT(r.y[3], 0.0f);  // Not lost to log(1 + tiny) = 0.
  EXPECT_FLOAT_EQ(r.y[4], std::log(2.0f));
  EXPECT_EQ(r.grads[0][0], 1.0f);
  EXPECT_EQ(r.grads[0][1], 0.0f);
}

TEST(ElementwiseTest, GeluForms) {
  // PyTorch's gelu at 1 and -1, exact and tanh (torch 1.13, float64).
  GeluAttrs tanh_form;
  tanh_form.approximation = GeluApproximation::kTanh;
  OpRun exact = RunOne(OpKind::kGelu, GeluAttrs{}, {1.0f, -1.0f});
  OpRun approx = RunOne(OpKind::kGelu, tanh_form, {1.0f, -1.0f});
  EXPECT_NEAR(exact.y[0], 0.8413447460685429, 1e-6);
  EXPECT_NEAR(exact.y[1], -0.15865525393145707, 1e-6);
  EXPECT_NEAR(approx.y[0], 0.8411919906082768, 1e-6);
  EXPECT_NEAR(approx.y[1], -0.15880800939172324, 1e-6);
  EXPECT_NE(exact.y[0], approx.y[0]);
}

}  // namespace
}  // namespace dagrad
