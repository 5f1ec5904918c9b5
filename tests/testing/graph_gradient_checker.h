// tests/testing/graph_gradient_checker.h: checks a whole graph's gradient of
// one parameter against central differences of its scalar loss, with the
// core of tests/testing/gradient_checker.h (same options, same kink rule,
// same |analytic - numeric| <= atol + rtol * |numeric| test).
//
// Example:
//   // exec fetched dL/dW as `grad`; loss_exec fetches only the loss.
//   GradientCheckOptions options;
//   options.atol = 1e-3;
//   auto r = CheckParameterGradient(loss_exec.get(), loss, &store, "l1/W",
//                                   *grad, options);
//   ASSERT_TRUE(r.ok()) << r.status();
//   EXPECT_GT(r->max_abs_numeric, 1e-3);  // Not vacuous.
#ifndef DAGRAD_TESTS_TESTING_GRAPH_GRADIENT_CHECKER_H_
#define DAGRAD_TESTS_TESTING_GRAPH_GRADIENT_CHECKER_H_

#include <string>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "graph/executor.h"
#include "graph/parameter_store.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {

// CheckParameterGradient() perturbs the elements of parameter `name` in
// `store` (all, or options.max_points_per_input of them) by +-epsilon,
// reruns `loss_exec` (bound to `store`, fed, and fetching the scalar `loss`)
// and compares each central difference with `analytic` (dL/d`name`, shaped
// like the parameter). Returns the statistics, or an error naming the
// parameter, the element and both values. The parameter is restored. Only
// options.epsilon, rtol, atol, max_points_per_input, max_kink_fraction and
// seed apply.
absl::StatusOr<GradientCheckResult> CheckParameterGradient(
    Executor* loss_exec, NodeId loss, ParameterStore* store,
    const std::string& name, const Tensor& analytic,
    const GradientCheckOptions& options);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TESTING_GRAPH_GRADIENT_CHECKER_H_
