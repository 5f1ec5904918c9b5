// layers/layer.h: what a layer is.
//
// A layer is a recipe that adds nodes to a GraphBuilder. It owns the
// description of its parameters (shapes and initializers) and creates them
// in the graph under its own scope ("conv1/W"), but it computes nothing and
// has no gradient code: gradients live only in ops (ops/*.cc), and the graph
// builds the reverse pass from them.
//
// Each layer infers its input shape from the node it is given, so only the
// first layer of a model needs an input shape (see train/sequential.h).
//
// Most layers take one input and implement Build(). A layer of several
// inputs (the merge layers of layers/merge.h) implements BuildMulti(); the
// functional Model (models/model.h) always calls BuildMulti(), whose
// default forwards exactly one input to Build().
//
// Example:
//   GraphBuilder g;
//   ASSIGN_OR_RETURN(NodeId x, g.AddInput("x", Shape({kUnknownDim, 784})));
//   Dense hidden(200, Activation::kRelu);
//   ASSIGN_OR_RETURN(NodeId h, hidden.Build(&g, "dense1", x));
#ifndef DAGRAD_LAYERS_LAYER_H_
#define DAGRAD_LAYERS_LAYER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "graph/graph.h"
#include "layers/initializers.h"

namespace dagrad {

class Layer {
 public:
  virtual ~Layer() = default;

  // type() is the layer's kind as the model summary prints it, e.g. "Dense".
  virtual absl::string_view type() const = 0;

  // Build() adds this layer's parameters and nodes to `graph`, reading the
  // input's shape from the graph (its batch dimension may be unknown), and
  // returns the output node. Every node and parameter is named under
  // `scope`, which must be unique in the graph. On error (a shape that does
  // not fit, an invalid setting) it returns InvalidArgument naming the layer
  // scope and type and the shapes involved; nodes added before the error
  // remain in `graph`, which the caller then discards.
  virtual absl::StatusOr<NodeId> Build(GraphBuilder* graph,
                                       const std::string& scope,
                                       NodeId input) const = 0;

  // BuildMulti() is Build() over `inputs`, in call order. The default takes
  // exactly one input and calls Build(); any other count is InvalidArgument
  // naming the layer. Multi-input layers override it (and make Build() the
  // one-input case of it).
  virtual absl::StatusOr<NodeId> BuildMulti(
      GraphBuilder* graph, const std::string& scope,
      absl::Span<const NodeId> inputs) const;
};

// LayerError() is the InvalidArgument a layer returns for a bad input or
// setting: "layer 'conv1' (Conv2D): <what>; input [64,28,28]".
absl::Status LayerError(const std::string& scope, absl::string_view type,
                        const Shape& input, absl::string_view what);

// ParameterInitFrom() adapts an Initializer to the graph's ParameterInit.
ParameterInit ParameterInitFrom(const Initializer& init);

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_LAYER_H_
