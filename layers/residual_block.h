// layers/residual_block.h: ResidualBlock, the basic block of ResNet:
//   y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
//
// conv1 is 3x3 with `stride`, conv2 3x3 with stride 1, both padded by 1 and
// without bias (the BatchNorm after each has the shift). The shortcut is x
// itself when the shapes agree, and a projection (1x1 convolution with
// `stride`, no bias, then BatchNorm) when the stride is not 1 or the
// channels differ. Input [N, C, H, W], output [N, filters, ceil(H/stride),
// ceil(W/stride)]. Parameters live under the block's scope: "res1/conv1/W",
// "res1/bn1/gamma", ..., "res1/proj/W", "res1/proj_bn/gamma".
//
// Example:
//   model.Add(ResidualBlock(32, /*stride=*/2));  // [N,16,28,28] ->
//   [N,32,14,14]
#ifndef DAGRAD_LAYERS_RESIDUAL_BLOCK_H_
#define DAGRAD_LAYERS_RESIDUAL_BLOCK_H_

#include <cstdint>
#include <string>

#include "layers/initializers.h"
#include "layers/layer.h"

namespace dagrad {

struct ResidualBlockOptions {
  // weight_init: the convolutions' kernels (He normal, fan in, as ResNet).
  Initializer weight_init = Initializer::HeNormal();
  float bn_momentum = 0.1f;
  float bn_epsilon = 1e-5f;
};

class ResidualBlock : public Layer {
 public:
  explicit ResidualBlock(int64_t filters, int64_t stride = 1,
                         ResidualBlockOptions options = {})
      : filters_(filters), stride_(stride), options_(std::move(options)) {}

  absl::string_view type() const override { return "ResidualBlock"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t filters_;
  int64_t stride_;
  ResidualBlockOptions options_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_RESIDUAL_BLOCK_H_
