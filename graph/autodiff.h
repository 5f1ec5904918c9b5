// graph/autodiff.h: reverse-mode differentiation as graph nodes.
//
// AddGradients() appends the reverse pass to the builder as VJP nodes
// (forward node, input index) and Add nodes summing fan-out, in the same
// DAG, and returns dL/d(wrt[k]) in the order of `wrt`.
//  - `loss` must have exactly one element (a scalar [] or [1], [1,1], ...);
//    the seed dL/dloss = 1 is a constant node "grad/seed".
//  - Only nodes on a path from some wrt node to the loss are visited.
//  - Fan-out is summed with ordinary Add op nodes (ops/add.h, marked
//    NodeOptions::reverse), in consumer order: ((g1 + g2) + g3) + ...
//  - Non-differentiable inputs (labels) and NotDifferentiable ops are never
//    differentiated through; reverse nodes are not differentiable (no
//    higher-order gradients).
//  - A wrt node that does not reach the loss, or is not in the graph, is
//    InvalidArgument naming it. If wrt == loss its gradient is the seed.
// On error the builder may contain some already-added (unused) reverse nodes;
// they are pruned by the scheduler, since nothing fetches them.
#ifndef DAGRAD_GRAPH_AUTODIFF_H_
#define DAGRAD_GRAPH_AUTODIFF_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace dagrad {

absl::StatusOr<std::vector<NodeId>> AddGradients(GraphBuilder* builder,
                                                 NodeId loss,
                                                 std::vector<NodeId> wrt);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_AUTODIFF_H_
