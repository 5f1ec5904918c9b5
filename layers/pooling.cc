#include "layers/pooling.h"

#include "ops/avg_pool2d.h"
#include "ops/max_pool2d.h"

namespace dagrad {
namespace {

template <typename Attrs>
absl::StatusOr<NodeId> AddPool(GraphBuilder* graph, const std::string& scope,
                               NodeId input, int64_t window,
                               const PoolOptions& options) {
  // The op's shape function checks the input and the settings; the graph
  // names the layer's node in its error.
  Attrs attrs;
  attrs.window_h = attrs.window_w = window;
  attrs.stride_h = attrs.stride_w =
      options.stride == 0 ? window : options.stride;
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
  return AddPool<MaxPool2DAttrs>(graph, scope, input, window_, options_);
}

absl::StatusOr<NodeId> MeanPool2D::Build(GraphBuilder* graph,
                                         const std::string& scope,
                                         NodeId input) const {
  return AddPool<AvgPool2DAttrs>(graph, scope, input, window_, options_);
}

}  // namespace dagrad
