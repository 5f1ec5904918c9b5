// layers/layer_norm.h: LayerNorm, y = gamma * (x - mean) / sqrt(var + eps)
// + beta, the statistics taken per example over its trailing axes.
//
// `axes` is how many trailing axes are normalized together (1: the last
// axis, as Keras' LayerNormalization(axis=-1); 2 on [N,T,F]: T and F, as
// PyTorch's nn.LayerNorm([T, F])). gamma and beta have those axes' shape,
// start at ones and zeros, and are trained; epsilon defaults to PyTorch's
// 1e-5. Output: the input's shape. The math and VJP are ops/layer_norm.h.
// Build() returns InvalidArgument naming the layer and the input shape for
// axes < 1, more axes than the input has besides the batch, or an epsilon
// that is not positive and finite.
//
// Example:
//   model.Add(LayerNorm());                       // over the last axis
//   model.Add(LayerNorm(LayerNormOptions{.axes = 2, .epsilon = 1e-3f}));
#ifndef DAGRAD_LAYERS_LAYER_NORM_H_
#define DAGRAD_LAYERS_LAYER_NORM_H_

#include <string>

#include "layers/layer.h"

namespace dagrad {

struct LayerNormOptions {
  int axes = 1;
  float epsilon = 1e-5f;
};

class LayerNorm : public Layer {
 public:
  explicit LayerNorm(LayerNormOptions options = {}) : options_(options) {}

  absl::string_view type() const override { return "LayerNorm"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  LayerNormOptions options_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_LAYER_NORM_H_
