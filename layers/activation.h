// layers/activation.h: activation functions, as an argument of Dense/Conv2D
// and as layers of their own (the Edinburgh framework's ReluLayer,
// SigmoidLayer, TanhLayer, SoftmaxLayer), plus the activations that take a
// parameter, as layers only: LeakyReLU(alpha) and GELU(exact or tanh).
//
// Example:
//   model.Add(Dense(200, Activation::kRelu));    // activation argument
//   model.Add(Dense(10));
//   model.Add(ActivationLayer(Activation::kSoftmax));  // or a layer
//   model.Add(LeakyReLU(0.2f));                  // y = x > 0 ? x : 0.2 x
//   model.Add(GELU(GeluApproximation::kTanh));   // GPT-2's form
#ifndef DAGRAD_LAYERS_ACTIVATION_H_
#define DAGRAD_LAYERS_ACTIVATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "layers/layer.h"
#include "ops/gelu.h"

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

// LeakyReLU is y = x > 0 ? x : alpha * x elementwise (ops/leaky_relu.h), as
// Keras' LeakyReLU and PyTorch's nn.LeakyReLU (whose default alpha, 0.01,
// it shares). Build() returns InvalidArgument naming the layer for an alpha
// that is not finite.
class LeakyReLU : public Layer {
 public:
  explicit LeakyReLU(float alpha = 0.01f) : alpha_(alpha) {}

  absl::string_view type() const override { return "LeakyReLU"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  float alpha_;
};

// GELU is y = x * Phi(x) elementwise (ops/gelu.h): kNone is the exact erf
// form (PyTorch's nn.GELU() default), kTanh the tanh approximation
// (nn.GELU(approximate="tanh")).
class GELU : public Layer {
 public:
  explicit GELU(GeluApproximation approximation = GeluApproximation::kNone)
      : approximation_(approximation) {}

  absl::string_view type() const override { return "GELU"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  GeluApproximation approximation_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_ACTIVATION_H_
