// The normalization ops of the op families: LayerNorm over x's trailing
// axes (BatchNorm keeps its own test, batch_norm_test.cc).
//
// The family table (tests/testing/op_family.h) states: a sweep over the
// normalized axes (one, two, all of x) and epsilon, a reference in double
// for y and all three VJPs (dL/dx, dL/dgamma, dL/dbeta), the gradient check
// of every input (smooth: no kink allowed), large cases whose rows and
// columns split over both threads for the 1-vs-2-thread bitwise check, the
// inferred shapes (unknown batch too) and the shape errors.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/layer_norm.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

LayerNormAttrs Epsilon(float epsilon) {
  LayerNormAttrs attrs;
  attrs.epsilon = epsilon;
  return attrs;
}

// LayerNormReference() is the op's math in double, row by row.
ReferenceFn LayerNormReference(float epsilon) {
  return [epsilon](const ReferenceArgs& args) {
    const Tensor& x = args.inputs[0];
    const Tensor& gamma = args.inputs[1];
    const Tensor& beta = args.inputs[2];
    const int64_t d = gamma.size(), rows = x.size() / d;
    Reference r;
    r.y_shape = x.shape();
    r.y.resize(x.size());
    r.grads = {std::vector<double>(x.size()), std::vector<double>(d, 0.0),
               std::vector<double>(d, 0.0)};
    std::vector<double> xhat(d), g(d);
    for (int64_t n = 0; n < rows; ++n) {
      const int64_t base = n * d;
      double mean = 0, var = 0;
      for (int64_t j = 0; j < d; ++j) mean += x[base + j];
      mean /= d;
      for (int64_t j = 0; j < d; ++j) {
        var += (x[base + j] - mean) * (x[base + j] - mean);
      }
      const double rstd = 1.0 / std::sqrt(var / d + epsilon);
      double mean_g = 0, mean_gx = 0;
      for (int64_t j = 0; j < d; ++j) {
        xhat[j] = (x[base + j] - mean) * rstd;
        r.y[base + j] = gamma[j] * xhat[j] + beta[j];
        g[j] = static_cast<double>(args.dy[base + j]) * gamma[j];
        mean_g += g[j] / d;
        mean_gx += g[j] * xhat[j] / d;
        r.grads[1][j] += args.dy[base + j] * xhat[j];
        r.grads[2][j] += args.dy[base + j];
      }
      for (int64_t j = 0; j < d; ++j) {
        r.grads[0][base + j] = rstd * (g[j] - mean_g - xhat[j] * mean_gx);
      }
    }
    return r;
  };
}

OpCase LayerNormCase(const std::string& what, float epsilon, const Shape& x,
                     const Shape& gamma, uint64_t seed) {
  return MakeCase(OpKind::kLayerNorm, Epsilon(epsilon),
                  absl::StrCat(what, "_", ShapeLabel(x), "_over_",
                               ShapeLabel(gamma), "_eps", epsilon),
                  [=] {
                    Tensor g = RandomTensor(gamma, seed + 1, 0.5f, 1.5f);
                    return Inputs(RandomTensor(x, seed, -2.0f, 2.0f),
                                  std::move(g), RandomTensor(gamma, seed + 2));
                  });
}

std::vector<OpCase> NormCases() {
  struct Row {
    Shape x, gamma;
  };
  const Row rows[] = {
      {Shape({4, 9}), Shape({9})},       {Shape({2, 3, 5}), Shape({5})},
      {Shape({2, 3, 5}), Shape({3, 5})}, {Shape({7}), Shape({7})},
      {Shape({5, 2}), Shape({2})},
  };
  std::vector<OpCase> cases;
  for (float epsilon : {1e-5f, 0.1f}) {
    for (const Row& row : rows) {
      OpCase r = LayerNormCase("reference", epsilon, row.x, row.gamma, 1);
      r.reference = LayerNormReference(epsilon);
      r.y_tolerance = Tolerance::Near(1e-5, 1e-5);
      r.grad_tolerance = Tolerance::Near(1e-4, 1e-4);
      cases.push_back(r);
      OpCase g = LayerNormCase("gradient", epsilon, row.x, row.gamma, 11);
      g.gradient = GradientOptions(1e-3, 1e-2, 1e-3);
      cases.push_back(g);
    }
  }
  for (const Row& row : {Row{Shape({300, 257}), Shape({257})},
                         Row{Shape({64, 20, 50}), Shape({20, 50})}}) {
    OpCase t = LayerNormCase("threads", 1e-5f, row.x, row.gamma, 5);
    t.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 6); };
    t.reference = LayerNormReference(1e-5f);
    t.y_tolerance = Tolerance::Near(1e-5, 1e-5);
    t.grad_tolerance = Tolerance::Near(1e-4, 1e-4);
    t.bitwise_threads = true;
    cases.push_back(t);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Norm, OpCaseTest, ::testing::ValuesIn(NormCases()),
                         OpCaseName);

std::vector<ShapeCase> NormShapeCases() {
  return {
      {"LayerNorm_batch",
       OpKind::kLayerNorm,
       LayerNormAttrs{},
       {Shape({kUnknown, 128, 16}), Shape({16}), Shape({16})},
       Shape({kUnknown, 128, 16})},
      {"LayerNorm_all_axes",
       OpKind::kLayerNorm,
       LayerNormAttrs{},
       {Shape({3, 4}), Shape({3, 4}), Shape({3, 4})},
       Shape({3, 4})},
  };
}

INSTANTIATE_TEST_SUITE_P(Norm, ShapeInferenceTest,
                         ::testing::ValuesIn(NormShapeCases()), ShapeCaseName);

std::vector<ShapeErrorCase> NormShapeErrorCases() {
  std::vector<ShapeErrorCase> cases = {
      {"LayerNorm_beta",
       OpKind::kLayerNorm,
       LayerNormAttrs{},
       {Shape({4, 9}), Shape({9}), Shape({8})},
       {"beta [8] must have gamma's shape [9]"}},
      {"LayerNorm_trailing",
       OpKind::kLayerNorm,
       LayerNormAttrs{},
       {Shape({4, 9}), Shape({4}), Shape({4})},
       {"x [4,9] must end in gamma's shape [4]"}},
      {"LayerNorm_gamma_too_long",
       OpKind::kLayerNorm,
       LayerNormAttrs{},
       {Shape({9}), Shape({2, 9}), Shape({2, 9})},
       {"must end in gamma's shape [2,9]"}},
      {"LayerNorm_scalar_gamma",
       OpKind::kLayerNorm,
       LayerNormAttrs{},
       {Shape({4, 9}), Shape(), Shape()},
       {"rank >= 1"}},
      {"LayerNorm_two_inputs",
       OpKind::kLayerNorm,
       LayerNormAttrs{},
       {Shape({4, 9}), Shape({9})},
       {"inputs, got 2"}},
  };
  const float inf = std::numeric_limits<float>::infinity();
  for (float bad : {0.0f, -1.0f, inf, std::nanf("")}) {
    cases.push_back(
        {absl::StrCat("LayerNorm_epsilon_", bad),
         OpKind::kLayerNorm,
         Epsilon(bad),
         {Shape({4, 9}), Shape({9}), Shape({9})},
         {absl::StrCat("epsilon ", bad, " must be finite and > 0")}});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Norm, ShapeErrorTest,
                         ::testing::ValuesIn(NormShapeErrorCases()),
                         ShapeErrorCaseName);

}  // namespace
}  // namespace dagrad
