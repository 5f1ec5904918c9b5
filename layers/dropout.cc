#include "layers/dropout.h"

#include "ops/dropout.h"

namespace dagrad {

absl::StatusOr<NodeId> Dropout::Build(GraphBuilder* graph,
                                      const std::string& scope,
                                      NodeId input) const {
  DropoutAttrs attrs;
  attrs.p = p_;
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(attrs, {input}, node);
}

}  // namespace dagrad
