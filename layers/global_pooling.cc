#include "layers/global_pooling.h"

#include "core/status_macros.h"
#include "ops/global_avg_pool.h"

namespace dagrad {

absl::StatusOr<NodeId> GlobalAveragePooling2D::Build(GraphBuilder* graph,
                                                     const std::string& scope,
                                                     NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (in.rank() != 4) {
    return LayerError(scope, type(), in, "input must be [N, C, H, W]");
  }
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(GlobalAvgPoolAttrs{}, {input}, node);
}

}  // namespace dagrad
