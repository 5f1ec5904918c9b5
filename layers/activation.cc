#include "layers/activation.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "ops/leaky_relu.h"
#include "ops/relu.h"
#include "ops/sigmoid.h"
#include "ops/softmax.h"
#include "ops/tanh.h"

namespace dagrad {

absl::string_view ActivationName(Activation activation) {
  switch (activation) {
    case Activation::kNone:
      return "none";
    case Activation::kRelu:
      return "relu";
    case Activation::kSigmoid:
      return "sigmoid";
    case Activation::kTanh:
      return "tanh";
    case Activation::kSoftmax:
      return "softmax";
  }
  return "?";
}

absl::StatusOr<Activation> ParseActivation(absl::string_view name) {
  for (Activation a :
       {Activation::kNone, Activation::kRelu, Activation::kSigmoid,
        Activation::kTanh, Activation::kSoftmax}) {
    if (name == ActivationName(a)) return a;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown activation '%s' (expected none, relu, sigmoid, tanh or "
      "softmax)",
      name));
}

absl::StatusOr<NodeId> AddActivation(GraphBuilder* graph, Activation activation,
                                     NodeId input, const std::string& scope) {
  NodeOptions options;
  options.scope = scope;
  switch (activation) {
    case Activation::kNone:
      return input;
    case Activation::kRelu:
      return graph->AddOp(ReluAttrs{}, {input}, options);
    case Activation::kSigmoid:
      return graph->AddOp(SigmoidAttrs{}, {input}, options);
    case Activation::kTanh:
      return graph->AddOp(TanhAttrs{}, {input}, options);
    case Activation::kSoftmax:
      return graph->AddOp(SoftmaxAttrs{}, {input}, options);
  }
  return absl::InternalError("unhandled activation");
}

absl::string_view ActivationLayer::type() const {
  switch (activation_) {
    case Activation::kNone:
      return "Identity";
    case Activation::kRelu:
      return "Relu";
    case Activation::kSigmoid:
      return "Sigmoid";
    case Activation::kTanh:
      return "Tanh";
    case Activation::kSoftmax:
      return "Softmax";
  }
  return "?";
}

absl::StatusOr<NodeId> ActivationLayer::Build(GraphBuilder* graph,
                                              const std::string& scope,
                                              NodeId input) const {
  return AddActivation(graph, activation_, input, scope);
}

absl::StatusOr<NodeId> LeakyReLU::Build(GraphBuilder* graph,
                                        const std::string& scope,
                                        NodeId input) const {
  if (!std::isfinite(alpha_)) {
    ASSIGN_OR_RETURN(Shape in, graph->shape(input));
    return LayerError(scope, type(), in,
                      absl::StrFormat("alpha must be finite, got %g", alpha_));
  }
  LeakyReluAttrs attrs;
  attrs.alpha = alpha_;
  NodeOptions options;
  options.scope = scope;
  return graph->AddOp(attrs, {input}, options);
}

absl::StatusOr<NodeId> GELU::Build(GraphBuilder* graph,
                                   const std::string& scope,
                                   NodeId input) const {
  GeluAttrs attrs;
  attrs.approximation = approximation_;
  NodeOptions options;
  options.scope = scope;
  return graph->AddOp(attrs, {input}, options);
}

}  // namespace dagrad
