// layers/global_pooling.h: GlobalAveragePooling2D, the mean of each channel
// over its whole plane (a ResNet head).
//
// Input [N, C, H, W], output [N, C] (ops/global_avg_pool.h). No parameters.
// Another rank is InvalidArgument naming the layer and the shape.
//
// Example:
//   model.Add(GlobalAveragePooling2D());  // [N,64,7,7] -> [N,64]
#ifndef DAGRAD_LAYERS_GLOBAL_POOLING_H_
#define DAGRAD_LAYERS_GLOBAL_POOLING_H_

#include <string>

#include "layers/layer.h"

namespace dagrad {

class GlobalAveragePooling2D : public Layer {
 public:
  absl::string_view type() const override { return "GlobalAveragePooling2D"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_GLOBAL_POOLING_H_
