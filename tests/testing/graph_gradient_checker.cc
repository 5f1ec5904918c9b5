#include "tests/testing/graph_gradient_checker.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace dagrad {

absl::StatusOr<GradientCheckResult> CheckParameterGradient(
    Executor* loss_exec, NodeId loss, ParameterStore* store,
    const std::string& name, const Tensor& analytic,
    const GradientCheckOptions& options) {
  Tensor* p = store->Find(name);
  if (p == nullptr) {
    return absl::NotFoundError(absl::StrCat("no parameter ", name));
  }
  if (analytic.shape() != p->shape()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "gradient of ", name, " is ", analytic.shape().DebugString(),
        ", the parameter ", p->shape().DebugString()));
  }
  auto loss_value = [&]() -> absl::StatusOr<double> {
    RETURN_IF_ERROR(loss_exec->Run());
    ASSIGN_OR_RETURN(const Tensor* v, loss_exec->Fetch(loss));
    return static_cast<double>((*v)[0]);
  };
  ASSIGN_OR_RETURN(const double base, loss_value());
  const std::string what =
      absl::StrCat("gradient of ", name, " ", p->shape().DebugString());
  GradientCheckResult result;
  for (int64_t j :
       PointsToCheck(p->size(), options.max_points_per_input, options.seed)) {
    ASSIGN_OR_RETURN(
        CentralDifference d,
        CentralDifferenceAt(&(*p)[j], options.epsilon, loss_value));
    RETURN_IF_ERROR(
        CheckPoint(analytic[j], d, base, options, what, j, &result));
  }
  RETURN_IF_ERROR(CheckKinkFraction(result, options, what));
  return result;
}

}  // namespace dagrad
