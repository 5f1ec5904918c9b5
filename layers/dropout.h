// layers/dropout.h: inverted dropout with drop probability p in [0, 1).
//
// In training, each element is zeroed with probability p and the kept ones
// are scaled by 1/(1-p), from a stream seeded by the model seed, the node
// and the step; in evaluation the layer is the identity (see ops/dropout.h
// for the relation to the weight-scaling inference rule).
#ifndef DAGRAD_LAYERS_DROPOUT_H_
#define DAGRAD_LAYERS_DROPOUT_H_

#include <string>

#include "layers/layer.h"

namespace dagrad {

class Dropout : public Layer {
 public:
  explicit Dropout(float p) : p_(p) {}

  absl::string_view type() const override { return "Dropout"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  float p_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_DROPOUT_H_
