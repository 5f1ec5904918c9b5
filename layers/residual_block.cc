#include "layers/residual_block.h"

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/merge.h"

namespace dagrad {

absl::StatusOr<NodeId> ResidualBlock::Build(GraphBuilder* graph,
                                            const std::string& scope,
                                            NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (filters_ < 1 || stride_ < 1) {
    return LayerError(scope, type(), in,
                      absl::StrFormat("filters and stride must be >= 1, got "
                                      "%d and %d",
                                      filters_, stride_));
  }
  if (in.rank() != 4) {
    return LayerError(scope, type(), in, "input must be [N, C, H, W]");
  }
  Conv2DOptions conv;
  conv.use_bias = false;
  conv.weight_init = options_.weight_init;
  conv.SetPadding(1).SetStride(stride_);
  const BatchNorm bn(options_.bn_momentum, options_.bn_epsilon);
  ASSIGN_OR_RETURN(
      NodeId h,
      Conv2D(filters_, 3, conv).Build(graph, scope + "/conv1", input));
  ASSIGN_OR_RETURN(h, bn.Build(graph, scope + "/bn1", h));
  ASSIGN_OR_RETURN(h, AddActivation(graph, Activation::kRelu, h, scope));
  conv.SetStride(1);
  ASSIGN_OR_RETURN(h,
                   Conv2D(filters_, 3, conv).Build(graph, scope + "/conv2", h));
  ASSIGN_OR_RETURN(h, bn.Build(graph, scope + "/bn2", h));
  NodeId shortcut = input;
  if (stride_ != 1 || in.dim(1) != filters_) {
    Conv2DOptions proj;
    proj.use_bias = false;
    proj.weight_init = options_.weight_init;
    proj.SetStride(stride_);
    ASSIGN_OR_RETURN(
        shortcut,
        Conv2D(filters_, 1, proj).Build(graph, scope + "/proj", input));
    ASSIGN_OR_RETURN(shortcut, bn.Build(graph, scope + "/proj_bn", shortcut));
  }
  const NodeId both[] = {h, shortcut};
  ASSIGN_OR_RETURN(NodeId sum, Add().BuildMulti(graph, scope + "/add", both));
  return AddActivation(graph, Activation::kRelu, sum, scope);
}

}  // namespace dagrad
