#include "layers/conv2d.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

Conv2DAttrs AttrsFrom(const Conv2DOptions& o, int64_t groups) {
  Conv2DAttrs attrs;
  attrs.stride_h = o.stride_h;
  attrs.stride_w = o.stride_w;
  attrs.padding = o.padding;
  attrs.pad_top = o.pad_top;
  attrs.pad_bottom = o.pad_bottom;
  attrs.pad_left = o.pad_left;
  attrs.pad_right = o.pad_right;
  attrs.dilation_h = o.dilation_h;
  attrs.dilation_w = o.dilation_w;
  attrs.groups = groups;
  return attrs;
}

// AddConv() adds W (and b) under `scope` and the Conv2D node.
absl::StatusOr<NodeId> AddConv(GraphBuilder* graph, const std::string& scope,
                               absl::string_view type, NodeId input,
                               int64_t filters, int64_t kernel_h,
                               int64_t kernel_w, int64_t groups, bool use_bias,
                               const Conv2DOptions& options) {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (in.rank() != 4) {
    return LayerError(scope, type, in, "input must be [N, C, H, W] (rank 4)");
  }
  if (filters < 1 || kernel_h < 1 || kernel_w < 1 || groups < 1) {
    return LayerError(
        scope, type, in,
        absl::StrFormat("filters (%d), kernel (%dx%d) and groups (%d) must "
                        "be >= 1",
                        filters, kernel_h, kernel_w, groups));
  }
  if (in.dim(1) % groups != 0) {
    return LayerError(scope, type, in,
                      absl::StrFormat("groups (%d) must divide the input "
                                      "channels (%d)",
                                      groups, in.dim(1)));
  }
  ASSIGN_OR_RETURN(
      NodeId w,
      graph->AddParameter(
          scope + "/W", Shape({filters, in.dim(1) / groups, kernel_h, kernel_w}),
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
  return graph->AddOp(AttrsFrom(options, groups), std::move(inputs), node);
}

}  // namespace

Conv2DOptions& Conv2DOptions::SetStride(int64_t s) {
  stride_h = stride_w = s;
  return *this;
}

Conv2DOptions& Conv2DOptions::SetPadding(int64_t pad) {
  padding = Padding::kExplicit;
  pad_top = pad_bottom = pad_left = pad_right = pad;
  return *this;
}

Conv2DOptions& Conv2DOptions::SetDilation(int64_t d) {
  dilation_h = dilation_w = d;
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
                   AddConv(graph, scope, type(), input, filters_, kernel_h_,
                           kernel_w_, options_.groups, options_.use_bias,
                           options_));
  return AddActivation(graph, options_.activation, y, scope);
}

DepthwiseSeparableConv2D::DepthwiseSeparableConv2D(int64_t filters,
                                                   int64_t kernel,
                                                   Conv2DOptions options)
    : filters_(filters), kernel_(kernel), options_(std::move(options)) {}

absl::StatusOr<NodeId> DepthwiseSeparableConv2D::Build(
    GraphBuilder* graph, const std::string& scope, NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (in.rank() != 4) {
    return LayerError(scope, type(), in, "input must be [N, C, H, W] (rank 4)");
  }
  ASSIGN_OR_RETURN(NodeId depthwise,
                   AddConv(graph, scope + "/depthwise", type(), input,
                           /*filters=*/in.dim(1), kernel_, kernel_,
                           /*groups=*/in.dim(1), /*use_bias=*/false, options_));
  Conv2DOptions pointwise;
  pointwise.weight_init = options_.weight_init;
  pointwise.bias_init = options_.bias_init;
  ASSIGN_OR_RETURN(NodeId y, AddConv(graph, scope + "/pointwise", type(),
                                     depthwise, filters_, 1, 1, /*groups=*/1,
                                     options_.use_bias, pointwise));
  return AddActivation(graph, options_.activation, y, scope);
}

}  // namespace dagrad
