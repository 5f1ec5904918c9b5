// tests/graph/numeric_gradient.h: whole-graph central differences.
//
// NumericGradient() perturbs every element of parameter `name` in `store` by
// +-epsilon, reruns `loss_exec` (which fetches the scalar loss and is bound to
// `store` and fed), and returns (L(p+e) - L(p-e)) / 2e per element, computed
// in double. The parameter is restored afterwards.
#ifndef DAGRAD_TESTS_GRAPH_NUMERIC_GRADIENT_H_
#define DAGRAD_TESTS_GRAPH_NUMERIC_GRADIENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/executor.h"
#include "graph/parameter_store.h"

namespace dagrad {

absl::StatusOr<std::vector<double>> NumericGradient(Executor* loss_exec,
                                                    NodeId loss,
                                                    ParameterStore* store,
                                                    const std::string& name,
                                                    double epsilon);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_GRAPH_NUMERIC_GRADIENT_H_
