// graph/passes/activation_fusion.h: fuse an elementwise activation into the
// op that produces its input, as one FusedActivation node
// (ops/fused_activation.h):
//   Relu|Tanh|Sigmoid(Conv2D(x, w[, b]))           -> Conv2D+Relu, ...
//   Relu|Tanh|Sigmoid(BiasAdd(MatMul(x, w), b))    -> MatMul+BiasAdd+Relu
//   Relu|Tanh|Sigmoid(BiasAdd(Conv2D(x, w), b))    -> Conv2D+BiasAdd+Relu
//   Relu|Tanh|Sigmoid(MaxPool2D(x))                -> MaxPool2D+Relu
// The reverse pass follows: the activation's VJP, BiasAdd's dx (a copy) and
// the producer's VJPs become the fused node's VJPs, which read the fused
// output (e.g. the ReLU mask y > 0). Exact: the fused kernels run the same
// kernels on the same stored values (no reassociation), so outputs and
// gradients are bitwise those of the unfused graph.
//
// Applies when every absorbed intermediate (the producer's and BiasAdd's
// outputs, and their gradients) has no other consumer and is not a root.
#ifndef DAGRAD_GRAPH_PASSES_ACTIVATION_FUSION_H_
#define DAGRAD_GRAPH_PASSES_ACTIVATION_FUSION_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"
#include "graph/passes/pass.h"

namespace dagrad {

inline constexpr char kActivationFusionPass[] = "activation_fusion";

// FuseActivations() is the pass (a PassFn).
absl::StatusOr<PassResult> FuseActivations(const Graph& graph,
                                           absl::Span<const NodeId> roots);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PASSES_ACTIVATION_FUSION_H_
