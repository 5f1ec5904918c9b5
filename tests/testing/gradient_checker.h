// tests/testing/gradient_checker.h: checks an op's VJP against central
// differences.
//
// The checker projects the op's output on a fixed random direction r,
//   L(x) = sum_i r_i * y_i(x)      (accumulated in double),
// so dL/dy = r and the VJP's answer for input k is dL/dx_k. For each checked
// element x_j it evaluates L at x_j +/- epsilon (through the float kernels)
// and compares
//   numeric_j = (L(x_j + h) - L(x_j - h)) / (2h)
// with the VJP's value, requiring |analytic - numeric| <= atol + rtol *
// |numeric|. h is the perturbation actually representable in float.
//
// Kinks (ReLU at 0, max-pool ties) make central differences meaningless. Test
// inputs should be chosen away from them; as a guard, a point whose one-sided
// slopes disagree by more than half their size is counted as "near a kink"
// and skipped, and the check fails if more than max_kink_fraction of the
// points are skipped.
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
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "ops/op.h"

namespace dagrad {

struct GradientCheckOptions {
  // epsilon is the perturbation h; choose it per op.
  double epsilon = 1e-2;
  double rtol = 1e-2;
  double atol = 1e-3;
  // wrt lists the inputs to check; empty means every differentiable input.
  std::vector<int> wrt;
  // max_points_per_input > 0 checks that many elements per input, picked by
  // a seeded RNG (always including the first and the last); 0 checks all.
  int max_points_per_input = 0;
  double max_kink_fraction = 0.1;
  bool training = true;
  uint64_t seed = 1;
  int num_threads = 1;
};

struct GradientCheckResult {
  int points_checked = 0;
  int points_near_kink = 0;
  double max_abs_error = 0;
  double max_rel_error = 0;
};

// CheckGradients() returns the statistics, or an error naming the op, the
// input, the worst element and both values when the VJP disagrees with the
// numeric gradient (or the op rejects the inputs). Input tensors are
// perturbed during the check and restored before it returns.
absl::StatusOr<GradientCheckResult> CheckGradients(
    OpKind kind, const OpAttrs& attrs, std::vector<Tensor*> inputs,
    const GradientCheckOptions& options = {});

// RandomTensor() fills a tensor of `shape` with uniform values in [lo, hi).
Tensor RandomTensor(const Shape& shape, uint64_t seed, float lo = -1.0f,
                    float hi = 1.0f);

// RandomTensorAwayFromZero() is RandomTensor() with |x| >= margin, for ops
// with a kink at 0.
Tensor RandomTensorAwayFromZero(const Shape& shape, uint64_t seed,
                                float margin = 0.05f);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TESTING_GRADIENT_CHECKER_H_
