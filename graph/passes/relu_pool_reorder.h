// graph/passes/relu_pool_reorder.h: rewrite maxpool(relu(x)) as
// relu(maxpool(x)), so that the ReLU runs on the pooled (e.g. 4x smaller)
// tensor, where activation fusion (graph/passes/activation_fusion.h) can
// then fuse it into the pool.
//
// Exact, forward and gradient, bit for bit, for inputs without NaN:
//  - Forward: relu is monotone, so max_w relu(x) = relu(max_w x). Both are
//    +0 when no cell of the window is positive (relu maps -0, 0 and
//    negatives to +0), else the same positive maximum. Padding never wins
//    in either form (it counts as -inf; every window holds a real cell).
//  - Gradient: max pooling routes dL/dy to the window's first maximum (ties
//    go to the earliest cell). If the window's maximum is positive, the
//    first maximum of relu(x) and of x is the same cell, and relu passes
//    dL/dy unchanged in both orders. Otherwise the original routes dL/dy to
//    a cell with x <= 0, where relu's VJP writes +0; the rewrite's relu VJP
//    writes +0 before routing. So every cell receives the same sum of the
//    same terms in the same (row-major output) order, or +0 in both.
//  - NaN: relu(NaN) = 0 but max pooling propagates NaN, so windows holding a
//    NaN differ (check_numerics reports the NaN upstream in either form).
// tests/graph/passes/relu_pool_reorder_test.cc checks ties, zeros, -0 and
// padding bitwise.
//
// Applies when the Relu's only consumer is the MaxPool2D (and its own VJP),
// and neither the Relu nor its output's gradient is a root.
#ifndef DAGRAD_GRAPH_PASSES_RELU_POOL_REORDER_H_
#define DAGRAD_GRAPH_PASSES_RELU_POOL_REORDER_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"
#include "graph/passes/pass.h"

namespace dagrad {

inline constexpr char kReluPoolReorderPass[] = "relu_pool_reorder";

// ReorderReluMaxPool() is the pass (a PassFn).
absl::StatusOr<PassResult> ReorderReluMaxPool(const Graph& graph,
                                              absl::Span<const NodeId> roots);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PASSES_RELU_POOL_REORDER_H_
