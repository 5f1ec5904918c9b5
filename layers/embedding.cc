#include "layers/embedding.h"

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "ops/gather.h"

namespace dagrad {

absl::StatusOr<NodeId> Embedding::Build(GraphBuilder* graph,
                                        const std::string& scope,
                                        NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (vocab_ < 1 || dim_ < 1) {
    return LayerError(scope, type(), in,
                      absl::StrFormat("vocab and dim must be >= 1, got %d "
                                      "and %d",
                                      vocab_, dim_));
  }
  ASSIGN_OR_RETURN(NodeId table,
                   graph->AddParameter(scope + "/table", Shape({vocab_, dim_}),
                                       ParameterInitFrom(init_)));
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(GatherAttrs{}, {table, input}, node);
}

}  // namespace dagrad
