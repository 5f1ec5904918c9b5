#include "layers/flatten.h"

#include "ops/flatten.h"

namespace dagrad {

absl::StatusOr<NodeId> Flatten::Build(GraphBuilder* graph,
                                      const std::string& scope,
                                      NodeId input) const {
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(FlattenAttrs{}, {input}, node);
}

}  // namespace dagrad
