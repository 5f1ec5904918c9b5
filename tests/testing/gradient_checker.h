// tests/testing/gradient_checker.h: checks gradients against central
// differences: one op's VJP (CheckGradients) here, a whole graph's
// parameter gradients in tests/testing/graph_gradient_checker.h. Both use
// the one central-difference core below (CentralDifferenceAt, CheckPoint).
//
// The op checker projects the op's output on a fixed random direction r,
//   L(x) = sum_i r_i * y_i(x)      (accumulated in double),
// so dL/dy = r and the VJP's answer for input k is dL/dx_k. For each checked
// element x_j it evaluates L at x_j +/- epsilon (through the float kernels)
// and compares
//   numeric_j = (L(x_j + h) - L(x_j - h)) / (2h)
// with the VJP's value, requiring |analytic - numeric| <= atol + rtol *
// |numeric|. h is the perturbation actually representable in float.
//
// Kinks (ReLU at 0, max-pool ties) make central differences meaningless. Test
// inputs should be chosen away from them. A point whose one-sided slopes
// disagree by more than half their size (plus atol) is counted as "near a
// kink" and skipped; the check fails if more than max_kink_fraction of the
// points are skipped. The default fraction is 0: a smooth op (or inputs kept
// away from the kinks) must not skip any point. Only a test that cannot keep
// its inputs away from a kink (max-pool near-ties over a random sweep) sets a
// fraction above 0, and says why.
//
// Random ops are checked with a fixed seed and step, so the forward is the
// same function at every evaluation (e.g. one dropout mask).
//
// Example:
//   Tensor x = RandomTensor(Shape({2, 3}), /*seed=*/1);
//   EXPECT_OK(CheckGradients(OpKind::kTanh, TanhAttrs{}, {&x}));
#ifndef DAGRAD_TESTS_TESTING_GRADIENT_CHECKER_H_
#define DAGRAD_TESTS_TESTING_GRADIENT_CHECKER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "ops/op.h"

namespace dagrad {

struct GradientCheckOptions {
  // epsilon is the perturbation h; choose it per op.
  double epsilon = 1e-2;
  double rtol = 1e-2;
  double atol = 1e-3;
  // wrt lists the inputs to check; empty means every differentiable input.
  // (Op checks only.)
  std::vector<int> wrt;
  // max_points_per_input > 0 checks that many elements per input, picked by
  // a seeded RNG (always including the first and the last); 0 checks all.
  int max_points_per_input = 0;
  // max_kink_fraction is the fraction of checked points that may be skipped
  // as near a kink. 0 (the default) means none may.
  double max_kink_fraction = 0;
  // training, seed and num_threads configure the op's run (op checks only).
  bool training = true;
  uint64_t seed = 1;
  int num_threads = 1;
};

struct GradientCheckResult {
  int points_checked = 0;
  int points_near_kink = 0;
  double max_abs_error = 0;
  double max_rel_error = 0;
  // max_abs_numeric is the largest |numeric| seen: a test can require it to
  // be well above atol so that the check is not vacuous.
  double max_abs_numeric = 0;
};

// CheckGradients() returns the statistics, or an error naming the op, the
// input, the worst element and both values when the VJP disagrees with the
// numeric gradient (or the op rejects the inputs). Input tensors are
// perturbed during the check and restored before it returns.
absl::StatusOr<GradientCheckResult> CheckGradients(
    OpKind kind, const OpAttrs& attrs, std::vector<Tensor*> inputs,
    const GradientCheckOptions& options = {});

// The central-difference core, shared by the op and the graph checkers.

// CentralDifference holds L at x +/- h for one float element x and the
// perturbations h_plus = fl(x + eps) - x, h_minus = x - fl(x - eps) that
// were actually applied.
struct CentralDifference {
  double l_plus = 0;
  double l_minus = 0;
  double h_plus = 0;
  double h_minus = 0;

  // numeric() is (L(x + h_plus) - L(x - h_minus)) / (h_plus + h_minus).
  double numeric() const { return (l_plus - l_minus) / (h_plus + h_minus); }
  // NearKink() is true when the one-sided slopes around L(x) = `base`
  // disagree by more than atol plus half their size.
  bool NearKink(double base, double atol) const;
};

// CentralDifferenceAt() evaluates `loss` with *x replaced by fl(*x + eps)
// and fl(*x - eps), and restores *x (also on error). `loss` must read *x.
absl::StatusOr<CentralDifference> CentralDifferenceAt(
    float* x, double epsilon,
    const std::function<absl::StatusOr<double>()>& loss);

// CheckPoint() compares `analytic` with d.numeric() under `options` and adds
// the point to *result: skipped as near a kink (see NearKink, around `base`),
// or checked, returning InternalError "<what> disagrees at element <index>:
// analytic .., numeric .." when |analytic - numeric| > atol + rtol*|numeric|.
absl::Status CheckPoint(double analytic, const CentralDifference& d,
                        double base, const GradientCheckOptions& options,
                        absl::string_view what, int64_t index,
                        GradientCheckResult* result);

// CheckKinkFraction() fails when no point was checked, or when more than
// options.max_kink_fraction of the points were near a kink.
absl::Status CheckKinkFraction(const GradientCheckResult& result,
                               const GradientCheckOptions& options,
                               absl::string_view what);

// PointsToCheck() lists the element indices of a `size`-element tensor to
// check: all of them, or max_points (> 0) picked by Rng(seed), always
// including the first and the last.
std::vector<int64_t> PointsToCheck(int64_t size, int max_points, uint64_t seed);

// RandomTensor() fills a tensor of `shape` with uniform values in [lo, hi).
Tensor RandomTensor(const Shape& shape, uint64_t seed, float lo = -1.0f,
                    float hi = 1.0f);

// RandomTensorAwayFromZero() is RandomTensor() with |x| >= margin, for ops
// with a kink at 0.
Tensor RandomTensorAwayFromZero(const Shape& shape, uint64_t seed,
                                float margin = 0.05f);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TESTING_GRADIENT_CHECKER_H_
