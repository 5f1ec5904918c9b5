// layers/reshape.h: Reshape, [N, d1, d2, ...] -> [N] + target, the same
// elements (row-major order) in a new per-example shape.
//
// The target shape is per example (the batch axis stays first and is not
// part of it), as Keras' Reshape. One entry may be -1: it is inferred from
// the input's per-example element count. Build() returns InvalidArgument
// naming the layer and the input shape for a target with two -1s, an entry
// below -1 or of 0, or an element count that does not match.
//
// Example:
//   // Fashion-MNIST images as 28 rows of 28 features, for an RNN.
//   Sequential model(Shape({1, 28, 28}));
//   model.Add(Reshape({28, 28}));  // [?,1,28,28] -> [?,28,28]
//   model.Add(LSTM(64));
#ifndef DAGRAD_LAYERS_RESHAPE_H_
#define DAGRAD_LAYERS_RESHAPE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "layers/layer.h"

namespace dagrad {

class Reshape : public Layer {
 public:
  explicit Reshape(std::vector<int64_t> target) : target_(std::move(target)) {}

  absl::string_view type() const override { return "Reshape"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  std::vector<int64_t> target_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_RESHAPE_H_
