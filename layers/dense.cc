#include "layers/dense.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "ops/bias_add.h"
#include "ops/mat_mul.h"

namespace dagrad {

Dense::Dense(int64_t units, Activation activation) : units_(units) {
  options_.activation = activation;
}

Dense::Dense(int64_t units, DenseOptions options)
    : units_(units), options_(std::move(options)) {}

absl::StatusOr<NodeId> Dense::Build(GraphBuilder* graph,
                                    const std::string& scope,
                                    NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (units_ < 1) {
    return LayerError(scope, type(), in,
                      absl::StrFormat("units must be >= 1, got %d", units_));
  }
  if (in.rank() != 2) {
    return LayerError(scope, type(), in,
                      "input must be [batch, features] (rank 2); add a "
                      "Flatten layer before a Dense layer on images");
  }
  ASSIGN_OR_RETURN(
      NodeId w, graph->AddParameter(scope + "/W", Shape({in.dim(1), units_}),
                                    ParameterInitFrom(options_.weight_init)));
  NodeOptions node;
  node.scope = scope;
  ASSIGN_OR_RETURN(NodeId y, graph->AddOp(MatMulAttrs{}, {input, w}, node));
  if (options_.use_bias) {
    ASSIGN_OR_RETURN(
        NodeId b, graph->AddParameter(scope + "/b", Shape({units_}),
                                      ParameterInitFrom(options_.bias_init)));
    ASSIGN_OR_RETURN(y, graph->AddOp(BiasAddAttrs{}, {y, b}, node));
  }
  return AddActivation(graph, options_.activation, y, scope);
}

Dense AffineLayer(int64_t output_dim, Initializer weights_init,
                  Initializer biases_init) {
  DenseOptions options;
  options.weight_init = std::move(weights_init);
  options.bias_init = std::move(biases_init);
  return Dense(output_dim, std::move(options));
}

}  // namespace dagrad
