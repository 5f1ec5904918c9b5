#include "tests/testing/gradient_checker.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "core/thread_pool.h"
#include "ops/eager.h"

namespace dagrad {
namespace {

// Projection of the output on `direction`, in double.
double Project(const Tensor& y, const Tensor& direction) {
  double sum = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    sum += static_cast<double>(direction[i]) * static_cast<double>(y[i]);
  }
  return sum;
}

}  // namespace

bool CentralDifference::NearKink(double base, double atol) const {
  const double forward_slope = (l_plus - base) / h_plus;
  const double backward_slope = (base - l_minus) / h_minus;
  return std::fabs(forward_slope - backward_slope) >
         atol + 0.5 * (std::fabs(forward_slope) + std::fabs(backward_slope));
}

absl::StatusOr<CentralDifference> CentralDifferenceAt(
    float* x, double epsilon,
    const std::function<absl::StatusOr<double>()>& loss) {
  const float original = *x;
  const float plus = static_cast<float>(original + epsilon);
  const float minus = static_cast<float>(original - epsilon);
  *x = plus;
  absl::StatusOr<double> l_plus = loss();
  *x = minus;
  absl::StatusOr<double> l_minus = loss();
  *x = original;
  RETURN_IF_ERROR(l_plus.status());
  RETURN_IF_ERROR(l_minus.status());
  CentralDifference d;
  d.l_plus = *l_plus;
  d.l_minus = *l_minus;
  d.h_plus = static_cast<double>(plus) - original;
  d.h_minus = static_cast<double>(original) - minus;
  return d;
}

absl::Status CheckPoint(double analytic, const CentralDifference& d,
                        double base, const GradientCheckOptions& options,
                        absl::string_view what, int64_t index,
                        GradientCheckResult* result) {
  if (d.NearKink(base, options.atol)) {
    ++result->points_near_kink;
    return absl::OkStatus();
  }
  const double numeric = d.numeric();
  const double abs_error = std::fabs(analytic - numeric);
  const double rel_error = abs_error / std::max(std::fabs(numeric), 1e-12);
  ++result->points_checked;
  result->max_abs_error = std::max(result->max_abs_error, abs_error);
  result->max_abs_numeric =
      std::max(result->max_abs_numeric, std::fabs(numeric));
  if (std::fabs(numeric) > options.atol) {
    result->max_rel_error = std::max(result->max_rel_error, rel_error);
  }
  if (!(abs_error <= options.atol + options.rtol * std::fabs(numeric))) {
    return absl::InternalError(
        absl::StrCat(what, " disagrees at element ", index, ": analytic ",
                     analytic, ", numeric ", numeric, " (abs error ", abs_error,
                     ", atol ", options.atol, ", rtol ", options.rtol, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckKinkFraction(const GradientCheckResult& result,
                               const GradientCheckOptions& options,
                               absl::string_view what) {
  const int total = result.points_checked + result.points_near_kink;
  if (total == 0 || result.points_near_kink > options.max_kink_fraction *
                                                  static_cast<double>(total)) {
    return absl::InternalError(absl::StrCat(
        what, ": ", result.points_near_kink, " of ", total,
        " points were near a kink (allowed fraction ",
        options.max_kink_fraction, "); choose inputs away from kinks"));
  }
  return absl::OkStatus();
}

std::vector<int64_t> PointsToCheck(int64_t size, int max_points,
                                   uint64_t seed) {
  std::vector<int64_t> points;
  if (max_points <= 0 || size <= max_points) {
    for (int64_t i = 0; i < size; ++i) points.push_back(i);
    return points;
  }
  std::set<int64_t> chosen = {0, size - 1};
  Rng rng(seed, 0xC0FFEE);
  while (static_cast<int>(chosen.size()) < max_points) {
    chosen.insert(static_cast<int64_t>(rng.UniformInt(size)));
  }
  return std::vector<int64_t>(chosen.begin(), chosen.end());
}

absl::StatusOr<GradientCheckResult> CheckGradients(
    OpKind kind, const OpAttrs& attrs, std::vector<Tensor*> inputs,
    const GradientCheckOptions& options) {
  std::vector<Shape> shapes;
  for (Tensor* t : inputs) shapes.push_back(t->shape());
  ThreadPool pool(options.num_threads);
  ASSIGN_OR_RETURN(std::unique_ptr<EagerOp> op,
                   EagerOp::Create(kind, attrs, shapes, &pool));
  EagerOptions run{options.training, options.seed, /*step=*/7};

  std::vector<int> wrt = options.wrt;
  if (wrt.empty()) {
    for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
      if (op->def().IsDifferentiableInput(i)) wrt.push_back(i);
    }
  }
  if (wrt.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(OpName(kind), ": no differentiable input to check"));
  }

  RETURN_IF_ERROR(op->Forward(inputs, run));
  Tensor direction = RandomTensor(op->output_shape(), options.seed + 101);
  auto loss = [&]() -> absl::StatusOr<double> {
    RETURN_IF_ERROR(op->Forward(inputs, run));
    return Project(op->output(), direction);
  };

  GradientCheckResult result;
  for (int k : wrt) {
    Tensor& x = *inputs[k];
    RETURN_IF_ERROR(op->Forward(inputs, run));
    Tensor analytic = Tensor::Zeros(x.shape());
    // Poison the gradient buffer: a VJP must overwrite all of it.
    analytic.Fill(std::nanf(""));
    RETURN_IF_ERROR(op->Vjp(k, direction, &analytic));

    ASSIGN_OR_RETURN(double base, loss());
    const std::string what = absl::StrCat(OpName(kind), ": VJP of input ", k,
                                          " ", x.shape().DebugString());
    for (int64_t j : PointsToCheck(x.size(), options.max_points_per_input,
                                   options.seed + k)) {
      ASSIGN_OR_RETURN(CentralDifference d,
                       CentralDifferenceAt(&x[j], options.epsilon, loss));
      RETURN_IF_ERROR(
          CheckPoint(analytic[j], d, base, options, what, j, &result));
    }
  }
  RETURN_IF_ERROR(loss().status());  // Leave the op's output for x.
  RETURN_IF_ERROR(CheckKinkFraction(result, options, OpName(kind)));
  return result;
}

Tensor RandomTensor(const Shape& shape, uint64_t seed, float lo, float hi) {
  Tensor t = Tensor::Zeros(shape);
  Rng rng(seed);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng.Uniform(lo, hi);
  return t;
}

Tensor RandomTensorAwayFromZero(const Shape& shape, uint64_t seed,
                                float margin) {
  Tensor t = Tensor::Zeros(shape);
  Rng rng(seed);
  for (int64_t i = 0; i < t.size(); ++i) {
    float magnitude = rng.Uniform(margin, 1.0f);
    t[i] = rng.Bernoulli(0.5f) ? magnitude : -magnitude;
  }
  return t;
}

}  // namespace dagrad
