// models/dag.h: the recorded DAG of a functional Model, and how it is built
// into a GraphBuilder. Internal to models/ (model.h is the API).
//
// Layer calls on symbolic tensors (models/model.h) record CallNodes. A
// Model walks them back from its outputs into a Dag: its inputs, its layer
// calls in topological order with their names, and its outputs. BuildDag()
// adds a Dag's nodes to a graph under a name prefix; a Model builds its
// Dag once into its own graph, and a Model used as a layer (nesting) builds
// it into the outer graph under the layer's scope.
//
// Shared layers: the first call of a layer builds it with Layer::
// BuildMulti() and so creates its parameters ("dense_1/W"). A later call
// of the same layer in the same build (the same LayerSlot) builds it into
// a scratch graph under the same scope and copies the scratch nodes over,
// with each scratch parameter replaced by the existing one of its name:
// one parameter set, whose gradient the graph sums over the calls (fan-out
// accumulation).
//
// Example:
//   ASSIGN_OR_RETURN(std::vector<NodeId> outputs,
//                    BuildDag(dag, &builder, "encoder/", inputs, nullptr));
#ifndef DAGRAD_MODELS_DAG_H_
#define DAGRAD_MODELS_DAG_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "graph/graph.h"
#include "layers/layer.h"

namespace dagrad {
namespace model_internal {

// LayerSlot is one layer object as the functional API holds it: calling
// the same slot twice shares its weights. `name` is the user's (or empty).
struct LayerSlot {
  std::shared_ptr<const Layer> layer;
  std::string name;
};

// DagNode is one layer call of a Dag. `inputs` index the Dag's values:
// [0, num inputs) are the Dag's inputs, num inputs + k the output of node
// k. `slot` identifies the layer object (shared when equal).
struct DagNode {
  std::shared_ptr<LayerSlot> slot;
  std::string name;  // Unique in the Dag; the layer's scope.
  std::vector<int> inputs;
};

struct Dag {
  std::vector<std::string> input_names;
  std::vector<Shape> input_shapes;  // Batched: [?, ...].
  std::vector<DagNode> nodes;       // Topological order.
  std::vector<int> outputs;         // Value indices.
};

// LayerBuilt is what BuildDag() reports for each layer call it built: the
// node, its output and the parameters it created (none for a shared call).
using LayerBuilt = std::function<void(const DagNode& node, NodeId output,
                                      const std::vector<NodeId>& params)>;

// BuildLayerCall() builds one call of `layer` on `inputs` named `scope`
// into `graph`, directly (`shared` false: its parameters are created) or as
// a shared call (see the file comment). Errors name the layer; a parameter
// too large to allocate is ResourceExhausted naming it. *created receives
// the parameters created.
absl::StatusOr<NodeId> BuildLayerCall(GraphBuilder* graph, const Layer& layer,
                                      const std::string& scope,
                                      absl::Span<const NodeId> inputs,
                                      bool shared,
                                      std::vector<NodeId>* created);

// BuildDag() builds `dag` into `graph` on `inputs` (one per Dag input),
// naming every layer `prefix` + its name, and returns the output nodes.
// `on_layer` (nullable) sees each call.
absl::StatusOr<std::vector<NodeId>> BuildDag(const Dag& dag,
                                             GraphBuilder* graph,
                                             const std::string& prefix,
                                             absl::Span<const NodeId> inputs,
                                             const LayerBuilt& on_layer);

// LowerType() is "Dense" -> "dense", for default layer names.
std::string LowerType(absl::string_view type);

}  // namespace model_internal
}  // namespace dagrad

#endif  // DAGRAD_MODELS_DAG_H_
