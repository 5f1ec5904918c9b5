#include "layers/pooling.h"

#include "core/status_macros.h"
#include "ops/avg_pool2d.h"
#include "ops/max_pool2d.h"

namespace dagrad {
namespace {

template <typename Attrs>
absl::StatusOr<NodeId> AddPool(GraphBuilder* graph, const std::string& scope,
                               absl::string_view type, NodeId input,
                               int64_t window, const PoolOptions& options) {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (in.rank() != 4) {
    return LayerError(scope, type, in, "input must be [N, C, H, W] (rank 4)");
  }
  Attrs attrs;
  attrs.window_h = attrs.window_w = window;
  attrs.stride_h = attrs.stride_w = options.stride == 0 ? window : options.stride;
  attrs.padding = options.padding;
  attrs.pad_top = attrs.pad_bottom = attrs.pad_left = attrs.pad_right =
      options.pad;
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(attrs, {input}, node);
}

}  // namespace

absl::StatusOr<NodeId> MaxPool2D::Build(GraphBuilder* graph,
                                        const std::string& scope,
                                        NodeId input) const {
  return AddPool<MaxPool2DAttrs>(graph, scope, type(), input, window_,
                                 options_);
}

absl::StatusOr<NodeId> MeanPool2D::Build(GraphBuilder* graph,
                                         const std::string& scope,
                                         NodeId input) const {
  return AddPool<AvgPool2DAttrs>(graph, scope, type(), input, window_,
                                 options_);
}

}  // namespace dagrad
