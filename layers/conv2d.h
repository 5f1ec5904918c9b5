// layers/conv2d.h: 2-D convolution layers over NCHW images.
//
// Conv2D: input [N, C, H, W], output [N, filters, OH, OW]; W is
// [filters, C/groups, KH, KW], b is [filters]. Stride, padding (valid, same,
// or explicit), dilation and groups are the Conv2D op's attrs
// (Conv2DOptions::attrs, ops/conv2d.h); groups == C is a depthwise
// convolution. The op's shape function checks the input and the settings
// when the layer adds its node; its errors name the layer's node.
//
// DepthwiseSeparableConv2D: a depthwise KH x KW convolution (groups == C,
// one filter per channel, no bias) followed by a pointwise 1x1 convolution
// to `filters` channels (with bias), then the activation, as in MobileNet.
//
// Example:
//   Conv2DOptions conv;
//   conv.attrs.padding = Padding::kSame;
//   conv.use_bias = false;
//   conv.activation = Activation::kRelu;
//   model.Add(Conv2D(6, 5, conv));  // 6 filters of 5x5
#ifndef DAGRAD_LAYERS_CONV2D_H_
#define DAGRAD_LAYERS_CONV2D_H_

#include <cstdint>
#include <string>

#include "layers/activation.h"
#include "layers/initializers.h"
#include "layers/layer.h"
#include "ops/conv2d.h"

namespace dagrad {

struct Conv2DOptions {
  // attrs: stride, padding, dilation and groups of the Conv2D node.
  Conv2DAttrs attrs;
  bool use_bias = true;
  Activation activation = Activation::kNone;
  Initializer weight_init = Initializer::GlorotUniform();
  Initializer bias_init = Initializer::Zeros();

  // SetStride(), SetPadding() and SetDilation() set attrs in both
  // directions.
  Conv2DOptions& SetStride(int64_t s);
  Conv2DOptions& SetPadding(int64_t pad);  // explicit, all four sides
  Conv2DOptions& SetDilation(int64_t d);
};

class Conv2D : public Layer {
 public:
  // Conv2D() with a square `kernel`.
  Conv2D(int64_t filters, int64_t kernel, Conv2DOptions options = {});
  Conv2D(int64_t filters, int64_t kernel_h, int64_t kernel_w,
         Conv2DOptions options);

  absl::string_view type() const override { return "Conv2D"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t filters_;
  int64_t kernel_h_;
  int64_t kernel_w_;
  Conv2DOptions options_;
};

class DepthwiseSeparableConv2D : public Layer {
 public:
  // `options` configure the depthwise step (stride, padding, dilation) and
  // the pointwise step (use_bias, activation); options.attrs.groups is
  // ignored.
  DepthwiseSeparableConv2D(int64_t filters, int64_t kernel,
                           Conv2DOptions options = {});

  absl::string_view type() const override { return "DepthwiseSeparableConv2D"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t filters_;
  int64_t kernel_;
  Conv2DOptions options_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_CONV2D_H_
