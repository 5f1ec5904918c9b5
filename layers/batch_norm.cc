#include "layers/batch_norm.h"

#include "core/status_macros.h"
#include "ops/batch_norm.h"

namespace dagrad {

absl::StatusOr<NodeId> BatchNorm::Build(GraphBuilder* graph,
                                        const std::string& scope,
                                        NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (in.rank() != 2 && in.rank() != 4) {
    return LayerError(scope, type(), in,
                      "input must be [N, F] or [N, C, H, W]");
  }
  const Shape features({in.dim(1)});
  ASSIGN_OR_RETURN(
      NodeId gamma,
      graph->AddParameter(scope + "/gamma", features,
                          ParameterInitFrom(Initializer::Constant(1))));
  ASSIGN_OR_RETURN(NodeId beta, graph->AddParameter(
                                    scope + "/beta", features,
                                    ParameterInitFrom(Initializer::Zeros())));
  ASSIGN_OR_RETURN(NodeId mean,
                   graph->AddParameter(scope + "/running_mean", features,
                                       ParameterInitFrom(Initializer::Zeros()),
                                       /*trainable=*/false));
  ASSIGN_OR_RETURN(NodeId var, graph->AddParameter(
                                   scope + "/running_var", features,
                                   ParameterInitFrom(Initializer::Constant(1)),
                                   /*trainable=*/false));
  BatchNormAttrs attrs;
  attrs.epsilon = epsilon_;
  attrs.momentum = momentum_;
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(attrs, {input, gamma, beta, mean, var}, node);
}

}  // namespace dagrad
