#include "models/dag.h"

#include <cctype>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "core/tensor.h"

namespace dagrad {
namespace model_internal {
namespace {

// AsLayerError() prefixes an error with the layer unless it names one.
absl::Status AsLayerError(const absl::Status& status, const std::string& scope,
                          absl::string_view type) {
  const std::string message(status.message());
  if (absl::StartsWith(message, "layer '")) return status;
  return absl::Status(status.code(), absl::StrFormat("layer '%s' (%s): %s",
                                                     scope, type, message));
}

// FindParameter() is the parameter of `graph` named `name`.
std::optional<NodeId> FindParameter(const GraphBuilder& graph,
                                    const std::string& name) {
  for (NodeId p : graph.parameters()) {
    if (graph.name(p) == name) return p;
  }
  return std::nullopt;
}

// BuildShared() builds `layer` into a scratch graph and copies its nodes
// into `graph`, its inputs replaced by `inputs` and its parameters by
// those of `graph` with the same names.
absl::StatusOr<NodeId> BuildShared(GraphBuilder* graph, const Layer& layer,
                                   const std::string& scope,
                                   absl::Span<const NodeId> inputs) {
  GraphBuilder scratch;
  std::vector<NodeId> scratch_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSIGN_OR_RETURN(Shape shape, graph->shape(inputs[i]));
    ASSIGN_OR_RETURN(NodeId in,
                     scratch.AddInput(absl::StrCat("shared_input_", i), shape));
    scratch_inputs.push_back(in);
  }
  ASSIGN_OR_RETURN(NodeId out,
                   layer.BuildMulti(&scratch, scope, scratch_inputs));
  std::vector<NodeId> map(scratch.num_nodes());
  for (size_t i = 0; i < inputs.size(); ++i) {
    map[scratch_inputs[i].index] = inputs[i];
  }
  for (int id = 0; id < scratch.num_nodes(); ++id) {
    Node node = scratch.node(NodeId{id});
    switch (node.type) {
      case NodeType::kInput:
        if (!map[id].valid()) {
          return absl::InternalError(absl::StrFormat(
              "layer '%s' (%s) added an input '%s'; a layer may not", scope,
              layer.type(), node.name));
        }
        continue;
      case NodeType::kParameter: {
        std::optional<NodeId> existing = FindParameter(*graph, node.name);
        if (!existing.has_value() ||
            graph->node(*existing).shape != node.shape) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "layer '%s' (%s) is called again on inputs for which it needs "
              "parameter '%s' %s, which its first call did not create with "
              "that shape; a shared layer needs inputs of the same shapes",
              scope, layer.type(), node.name, node.shape.DebugString()));
        }
        map[id] = *existing;
        continue;
      }
      default:
        break;
    }
    for (NodeId& in : node.inputs) in = map[in.index];
    if (node.forward.valid()) node.forward = map[node.forward.index];
    ASSIGN_OR_RETURN(map[id], graph->AddNode(std::move(node)));
  }
  return map[out.index];
}

}  // namespace

std::string LowerType(absl::string_view type) {
  std::string out(type);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

absl::StatusOr<NodeId> BuildLayerCall(GraphBuilder* graph, const Layer& layer,
                                      const std::string& scope,
                                      absl::Span<const NodeId> inputs,
                                      bool shared,
                                      std::vector<NodeId>* created) {
  created->clear();
  if (shared) {
    absl::StatusOr<NodeId> out = BuildShared(graph, layer, scope, inputs);
    if (!out.ok()) return AsLayerError(out.status(), scope, layer.type());
    return out;
  }
  const size_t params_before = graph->parameters().size();
  absl::StatusOr<NodeId> out = layer.BuildMulti(graph, scope, inputs);
  if (!out.ok()) return AsLayerError(out.status(), scope, layer.type());
  const std::vector<NodeId> params = graph->parameters();
  created->assign(params.begin() + params_before, params.end());
  // A parameter no buffer can hold (Dense(1 << 40)) is this layer's error,
  // reported now rather than when the model is compiled.
  for (NodeId p : *created) {
    ASSIGN_OR_RETURN(Shape shape, graph->shape(p));
    RETURN_IF_ERROR(
        CheckedNumElements(
            shape, absl::StrFormat("layer '%s' (%s): parameter '%s'", scope,
                                   layer.type(), graph->name(p)))
            .status());
  }
  return out;
}

absl::StatusOr<std::vector<NodeId>> BuildDag(const Dag& dag,
                                             GraphBuilder* graph,
                                             const std::string& prefix,
                                             absl::Span<const NodeId> inputs,
                                             const LayerBuilt& on_layer) {
  if (inputs.size() != dag.input_shapes.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d inputs given for a model of %d", inputs.size(),
                        dag.input_shapes.size()));
  }
  std::vector<NodeId> values(inputs.begin(), inputs.end());
  absl::flat_hash_set<const LayerSlot*> built;
  std::vector<NodeId> call_inputs, created;
  for (const DagNode& node : dag.nodes) {
    call_inputs.clear();
    for (int v : node.inputs) call_inputs.push_back(values[v]);
    const bool shared = !built.insert(node.slot.get()).second;
    ASSIGN_OR_RETURN(
        NodeId out, BuildLayerCall(graph, *node.slot->layer, prefix + node.name,
                                   call_inputs, shared, &created));
    if (on_layer) on_layer(node, out, created);
    values.push_back(out);
  }
  std::vector<NodeId> outputs;
  for (int v : dag.outputs) outputs.push_back(values[v]);
  return outputs;
}

}  // namespace model_internal
}  // namespace dagrad
