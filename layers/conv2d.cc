#include "layers/conv2d.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/status_macros.h"

namespace dagrad {
namespace {

// AddConv() adds W [filters, C/groups, KH, KW] (and b [filters]) under
// `scope` and the Conv2D node. Conv2DShape() checks the input, the settings
// and W when the node is added, and the graph names the node in its error.
// The layer derives only W's C/groups, at least 1 (also where it cannot:
// x not rank 4, groups < 1), so that the shape function reports the input
// or the groups at fault rather than W.
absl::StatusOr<NodeId> AddConv(GraphBuilder* graph, const std::string& scope,
                               NodeId input, int64_t filters, int64_t kernel_h,
                               int64_t kernel_w, const Conv2DAttrs& attrs,
                               bool use_bias, const Conv2DOptions& options) {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  const int64_t channels = in.rank() == 4 && attrs.groups >= 1
                               ? std::max<int64_t>(in.dim(1) / attrs.groups, 1)
                               : 1;
  ASSIGN_OR_RETURN(NodeId w, graph->AddParameter(
                                 scope + "/W",
                                 Shape({filters, channels, kernel_h, kernel_w}),
                                 ParameterInitFrom(options.weight_init)));
  std::vector<NodeId> inputs = {input, w};
  if (use_bias) {
    ASSIGN_OR_RETURN(NodeId b,
                     graph->AddParameter(scope + "/b", Shape({filters}),
                                         ParameterInitFrom(options.bias_init)));
    inputs.push_back(b);
  }
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(attrs, std::move(inputs), node);
}

}  // namespace

Conv2DOptions& Conv2DOptions::SetStride(int64_t s) {
  attrs.stride_h = attrs.stride_w = s;
  return *this;
}

Conv2DOptions& Conv2DOptions::SetPadding(int64_t pad) {
  attrs.padding = Padding::kExplicit;
  attrs.pad_top = attrs.pad_bottom = attrs.pad_left = attrs.pad_right = pad;
  return *this;
}

Conv2DOptions& Conv2DOptions::SetDilation(int64_t d) {
  attrs.dilation_h = attrs.dilation_w = d;
  return *this;
}

Conv2D::Conv2D(int64_t filters, int64_t kernel, Conv2DOptions options)
    : Conv2D(filters, kernel, kernel, std::move(options)) {}

Conv2D::Conv2D(int64_t filters, int64_t kernel_h, int64_t kernel_w,
               Conv2DOptions options)
    : filters_(filters),
      kernel_h_(kernel_h),
      kernel_w_(kernel_w),
      options_(std::move(options)) {}

absl::StatusOr<NodeId> Conv2D::Build(GraphBuilder* graph,
                                     const std::string& scope,
                                     NodeId input) const {
  ASSIGN_OR_RETURN(NodeId y,
                   AddConv(graph, scope, input, filters_, kernel_h_, kernel_w_,
                           options_.attrs, options_.use_bias, options_));
  return AddActivation(graph, options_.activation, y, scope);
}

DepthwiseSeparableConv2D::DepthwiseSeparableConv2D(int64_t filters,
                                                   int64_t kernel,
                                                   Conv2DOptions options)
    : filters_(filters), kernel_(kernel), options_(std::move(options)) {}

absl::StatusOr<NodeId> DepthwiseSeparableConv2D::Build(GraphBuilder* graph,
                                                       const std::string& scope,
                                                       NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  // One filter per channel (C of a rank-4 input; else 1, and Conv2DShape
  // rejects the input).
  const int64_t channels = in.rank() == 4 ? in.dim(1) : 1;
  Conv2DAttrs depthwise_attrs = options_.attrs;
  depthwise_attrs.groups = channels;
  ASSIGN_OR_RETURN(NodeId depthwise,
                   AddConv(graph, scope + "/depthwise", input,
                           /*filters=*/channels, kernel_, kernel_,
                           depthwise_attrs, /*use_bias=*/false, options_));
  ASSIGN_OR_RETURN(
      NodeId y, AddConv(graph, scope + "/pointwise", depthwise, filters_, 1, 1,
                        Conv2DAttrs{}, options_.use_bias, options_));
  return AddActivation(graph, options_.activation, y, scope);
}

}  // namespace dagrad
