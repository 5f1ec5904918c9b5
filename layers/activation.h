// layers/activation.h: activation functions, as an argument of Dense/Conv2D
// and as layers of their own (the Edinburgh framework's ReluLayer,
// SigmoidLayer, TanhLayer, SoftmaxLayer).
//
// Example:
//   model.Add(Dense(200, Activation::kRelu));    // activation argument
//   model.Add(Dense(10));
//   model.Add(ActivationLayer(Activation::kSoftmax));  // or a layer
#ifndef DAGRAD_LAYERS_ACTIVATION_H_
#define DAGRAD_LAYERS_ACTIVATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "layers/layer.h"

namespace dagrad {

enum class Activation { kNone, kRelu, kSigmoid, kTanh, kSoftmax };

// ActivationName() is "relu", "sigmoid", "tanh", "softmax" or "none".
absl::string_view ActivationName(Activation activation);

// ParseActivation() reads one of ActivationName()'s strings (for flags).
absl::StatusOr<Activation> ParseActivation(absl::string_view name);

// AddActivation() adds `activation` applied to `input` under `scope`, or
// returns `input` itself for kNone. Softmax is over the last axis.
absl::StatusOr<NodeId> AddActivation(GraphBuilder* graph, Activation activation,
                                     NodeId input, const std::string& scope);

class ActivationLayer : public Layer {
 public:
  explicit ActivationLayer(Activation activation) : activation_(activation) {}

  absl::string_view type() const override;
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  Activation activation_;
};

// The Edinburgh framework's names.
inline ActivationLayer ReluLayer() {
  return ActivationLayer(Activation::kRelu);
}
inline ActivationLayer SigmoidLayer() {
  return ActivationLayer(Activation::kSigmoid);
}
inline ActivationLayer TanhLayer() {
  return ActivationLayer(Activation::kTanh);
}
inline ActivationLayer SoftmaxLayer() {
  return ActivationLayer(Activation::kSoftmax);
}

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_ACTIVATION_H_
