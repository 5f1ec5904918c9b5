#include "layers/layer_norm.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "ops/layer_norm.h"

namespace dagrad {

absl::StatusOr<NodeId> LayerNorm::Build(GraphBuilder* graph,
                                        const std::string& scope,
                                        NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (options_.axes < 1 || options_.axes > in.rank() - 1) {
    return LayerError(
        scope, type(), in,
        absl::StrFormat("axes must be in [1, %d] (the axes after the batch), "
                        "got %d",
                        in.rank() - 1, options_.axes));
  }
  if (!(options_.epsilon > 0) || !std::isfinite(options_.epsilon)) {
    return LayerError(
        scope, type(), in,
        absl::StrFormat("epsilon must be positive and finite, got %g",
                        options_.epsilon));
  }
  std::vector<int64_t> dims;
  for (int d = in.rank() - options_.axes; d < in.rank(); ++d) {
    dims.push_back(in.dim(d));
  }
  ASSIGN_OR_RETURN(
      NodeId gamma,
      graph->AddParameter(scope + "/gamma", Shape(dims), ConstantInit(1.0f)));
  ASSIGN_OR_RETURN(
      NodeId beta,
      graph->AddParameter(scope + "/beta", Shape(dims), ConstantInit(0.0f)));
  LayerNormAttrs attrs;
  attrs.epsilon = options_.epsilon;
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(attrs, {input, gamma, beta}, node);
}

}  // namespace dagrad
