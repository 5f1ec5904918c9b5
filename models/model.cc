// models/model.cc: symbolic tensors, layer calls, and Model's DAG checks,
// naming, building and summary.
#include "models/model.h"

#include <functional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace dagrad {
namespace model_internal {

// CallNode is what a symbolic tensor refers to: an Input (slot null) or a
// layer call on `inputs`, with the output's batched shape or the error.
struct CallNode {
  std::shared_ptr<LayerSlot> slot;
  std::vector<SymbolicTensor> inputs;
  std::string input_name;  // An Input's; may be empty.
  Shape shape;
  absl::Status status;
};

}  // namespace model_internal

namespace {

using model_internal::CallNode;
using model_internal::Dag;
using model_internal::DagNode;
using model_internal::LayerSlot;
using model_internal::LowerType;

std::string WithThousands(int64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// PerExample() drops the batch dimension: [?,1,28,28] -> [1,28,28].
Shape PerExample(const Shape& batched) {
  std::vector<int64_t> dims(batched.dims().begin() + 1, batched.dims().end());
  return Shape(dims);
}

// NestedModel is a Model's Dag used as a layer of another model.
class NestedModel : public Layer {
 public:
  NestedModel(std::shared_ptr<const Dag> dag, absl::Status status)
      : dag_(std::move(dag)), status_(std::move(status)) {}

  absl::string_view type() const override { return "Model"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override {
    return BuildMulti(graph, scope, absl::MakeConstSpan(&input, 1));
  }
  absl::StatusOr<NodeId> BuildMulti(
      GraphBuilder* graph, const std::string& scope,
      absl::Span<const NodeId> inputs) const override {
    if (dag_ == nullptr) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "layer '%s' (Model): the model cannot be used as a layer: %s", scope,
          status_.ok() ? "it is not a functional Model" : status_.message()));
    }
    if (dag_->outputs.size() != 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "layer '%s' (Model): a model used as a layer needs one output; "
          "this one has %d",
          scope, dag_->outputs.size()));
    }
    if (inputs.size() != dag_->input_shapes.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "layer '%s' (Model): called on %d tensors; the model has %d inputs",
          scope, inputs.size(), dag_->input_shapes.size()));
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      ASSIGN_OR_RETURN(Shape in, graph->shape(inputs[i]));
      const Shape& want = dag_->input_shapes[i];
      bool fits = in.rank() == want.rank();
      for (int d = 1; fits && d < in.rank(); ++d) {
        fits = in.dim(d) == want.dim(d);
      }
      if (!fits) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "layer '%s' (Model): input %d %s does not fit the model's input "
            "'%s' %s",
            scope, i, in.DebugString(), dag_->input_names[i],
            want.DebugString()));
      }
    }
    ASSIGN_OR_RETURN(
        std::vector<NodeId> outputs,
        model_internal::BuildDag(*dag_, graph, scope + "/", inputs, nullptr));
    return outputs[0];
  }

 private:
  std::shared_ptr<const Dag> dag_;
  absl::Status status_;
};

const absl::Status& EmptyTensorStatus() {
  static const absl::Status* status = new absl::Status(
      absl::InvalidArgumentError("an empty SymbolicTensor (default "
                                 "constructed; use Input() or a layer call)"));
  return *status;
}

}  // namespace

const Shape& SymbolicTensor::shape() const {
  static const Shape* empty = new Shape();
  return node_ == nullptr ? *empty : node_->shape;
}

const absl::Status& SymbolicTensor::status() const {
  return node_ == nullptr ? EmptyTensorStatus() : node_->status;
}

SymbolicTensor Input(Shape shape, std::string name) {
  auto node = std::make_shared<CallNode>();
  std::vector<int64_t> dims = {Shape::kUnknownDim};
  for (int64_t d : shape.dims()) dims.push_back(d);
  node->shape = Shape(dims);
  node->input_name = std::move(name);
  if (!shape.is_fully_defined()) {
    node->status = absl::InvalidArgumentError(absl::StrFormat(
        "Input '%s': the per-example shape %s must be fully defined",
        node->input_name, shape.DebugString()));
  }
  return SymbolicTensor(std::move(node));
}

LayerHandle::LayerHandle(std::shared_ptr<const Layer> layer, std::string name)
    : slot_(std::make_shared<LayerSlot>()) {
  slot_->layer = std::move(layer);
  slot_->name = std::move(name);
}

SymbolicTensor LayerHandle::operator()(const SymbolicTensor& x) const {
  return (*this)(std::vector<SymbolicTensor>{x});
}

SymbolicTensor LayerHandle::operator()(
    const std::vector<SymbolicTensor>& xs) const {
  auto node = std::make_shared<CallNode>();
  node->slot = slot_;
  node->inputs = xs;
  const Layer& layer = *slot_->layer;
  // Until the Model names it, a layer is called by its own name or type.
  const std::string scope =
      slot_->name.empty() ? LowerType(layer.type()) : slot_->name;
  for (const SymbolicTensor& x : xs) {
    if (!x.ok()) {
      node->status = x.status();
      return SymbolicTensor(std::move(node));
    }
  }
  if (xs.empty()) {
    node->status = absl::InvalidArgumentError(absl::StrFormat(
        "layer '%s' (%s) called on no tensors", scope, layer.type()));
    return SymbolicTensor(std::move(node));
  }
  // The output's shape, and any error, from a build into a scratch graph.
  GraphBuilder scratch;
  std::vector<NodeId> ids, created;
  for (size_t i = 0; i < xs.size(); ++i) {
    absl::StatusOr<NodeId> in =
        scratch.AddInput(absl::StrCat("input_", i), xs[i].shape());
    if (!in.ok()) {
      node->status = in.status();
      return SymbolicTensor(std::move(node));
    }
    ids.push_back(*in);
  }
  absl::StatusOr<NodeId> out = model_internal::BuildLayerCall(
      &scratch, layer, scope, ids, /*shared=*/false, &created);
  if (out.ok()) {
    node->shape = scratch.shape(*out).value();
  } else {
    node->status = out.status();
  }
  return SymbolicTensor(std::move(node));
}

Model::Model(uint64_t seed) : Trainer(seed) {}

Model::Model(std::vector<SymbolicTensor> inputs,
             std::vector<SymbolicTensor> outputs, uint64_t seed)
    : Trainer(seed) {
  SetError(Define(inputs, outputs));
}

absl::Status Model::Define(const std::vector<SymbolicTensor>& inputs,
                           const std::vector<SymbolicTensor>& outputs) {
  if (inputs.empty() || outputs.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Model: needs at least one input and one output, got %d and %d",
        inputs.size(), outputs.size()));
  }
  const int n = static_cast<int>(inputs.size());
  Dag dag;
  absl::flat_hash_map<const CallNode*, int> value;
  for (int i = 0; i < n; ++i) {
    const CallNode* node = inputs[i].node_.get();
    if (node == nullptr || !node->status.ok()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Model: inputs[%d]: %s", i, inputs[i].status().message()));
    }
    if (node->slot != nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Model: inputs[%d] %s is the output of a %s layer, not an Input()", i,
          node->shape.DebugString(), node->slot->layer->type()));
    }
    if (!value.emplace(node, i).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("Model: inputs[%d] is given twice", i));
    }
    dag.input_names.push_back(node->input_name.empty()
                                  ? absl::StrCat("input_", i + 1)
                                  : node->input_name);
    dag.input_shapes.push_back(node->shape);
  }
  // Walk back from the outputs; post-order is a topological order.
  std::vector<bool> input_used(n, false);
  std::function<absl::Status(const CallNode*, int)> visit =
      [&](const CallNode* node, int output) -> absl::Status {
    if (value.contains(node)) return absl::OkStatus();
    if (node->slot == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Model: output %d depends on Input '%s' %s, which is not one of the "
          "model's %d inputs (a tensor from another model?)",
          output, node->input_name, node->shape.DebugString(), n));
    }
    if (!node->status.ok()) return node->status;
    DagNode dag_node;
    dag_node.slot = node->slot;
    for (const SymbolicTensor& in : node->inputs) {
      RETURN_IF_ERROR(visit(in.node_.get(), output));
      const int v = value.at(in.node_.get());
      if (v < n) input_used[v] = true;
      dag_node.inputs.push_back(v);
    }
    value[node] = n + static_cast<int>(dag.nodes.size());
    dag.nodes.push_back(std::move(dag_node));
    return absl::OkStatus();
  };
  for (size_t j = 0; j < outputs.size(); ++j) {
    const CallNode* node = outputs[j].node_.get();
    if (node == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Model: outputs[%d]: %s", j, EmptyTensorStatus().message()));
    }
    if (node->slot == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Model: outputs[%d] is Input '%s' %s itself; an output must be a "
          "layer's",
          j, node->input_name, node->shape.DebugString()));
    }
    RETURN_IF_ERROR(visit(node, static_cast<int>(j)));
    dag.outputs.push_back(value.at(node));
  }
  for (int i = 0; i < n; ++i) {
    if (!input_used[i]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Model: input %d '%s' %s is not connected to any output", i,
          dag.input_names[i], dag.input_shapes[i].DebugString()));
    }
  }
  // Names: the user's, or <type>_<k> in the order the slots are reached.
  absl::flat_hash_map<const LayerSlot*, std::string> names;
  absl::flat_hash_map<std::string, const LayerSlot*> owner;
  absl::flat_hash_map<std::string, int> per_type;
  for (DagNode& node : dag.nodes) {
    auto it = names.find(node.slot.get());
    if (it == names.end()) {
      std::string name = node.slot->name;
      if (name.empty()) {
        const std::string base = LowerType(node.slot->layer->type());
        do {
          name = absl::StrCat(base, "_", ++per_type[base]);
        } while (owner.contains(name));
      }
      if (!owner.emplace(name, node.slot.get()).second) {
        return absl::InvalidArgumentError(
            absl::StrFormat("layer name '%s' (%s) is used by two layers", name,
                            node.slot->layer->type()));
      }
      it = names.emplace(node.slot.get(), name).first;
    }
    node.name = it->second;
  }
  // Build the graph.
  std::vector<NodeId> input_ids;
  std::vector<Shape> per_example;
  for (int i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(NodeId id, builder()->AddInput(dag.input_names[i],
                                                    dag.input_shapes[i]));
    input_ids.push_back(id);
    per_example.push_back(PerExample(dag.input_shapes[i]));
    input_rows_.emplace_back(dag.input_names[i], id);
  }
  auto value_name = [&](int v) {
    return v < n ? dag.input_names[v] : dag.nodes[v - n].name;
  };
  ASSIGN_OR_RETURN(std::vector<NodeId> output_ids,
                   model_internal::BuildDag(
                       dag, builder(), "", input_ids,
                       [&](const DagNode& node, NodeId out,
                           const std::vector<NodeId>& params) {
                         LayerRecord record;
                         record.name = node.name;
                         record.type = std::string(node.slot->layer->type());
                         record.output = out;
                         record.parameters = params;
                         for (int v : node.inputs)
                           record.inbound.push_back(value_name(v));
                         Record(std::move(record));
                       }));
  std::vector<std::string> output_layers;
  for (int v : dag.outputs) output_layers.push_back(value_name(v));
  SetInputs(std::move(input_ids), std::move(per_example));
  SetOutputs(std::move(output_ids), std::move(output_layers));
  dag_ = std::make_shared<const Dag>(std::move(dag));
  return absl::OkStatus();
}

absl::StatusOr<NodeId> Model::AddLayerCall(const Layer& layer,
                                           const std::string& name,
                                           absl::Span<const NodeId> inputs,
                                           std::vector<std::string> inbound) {
  std::vector<NodeId> created;
  ASSIGN_OR_RETURN(
      NodeId out, model_internal::BuildLayerCall(builder(), layer, name, inputs,
                                                 false, &created));
  LayerRecord record;
  record.name = name;
  record.type = std::string(layer.type());
  record.output = out;
  record.parameters = std::move(created);
  record.inbound = std::move(inbound);
  Record(std::move(record));
  return out;
}

bool Model::HasLayer(absl::string_view name) const {
  for (const LayerRecord& r : layers_) {
    if (r.name == name) return true;
  }
  return false;
}

int Model::LayersOfType(absl::string_view type) const {
  int count = 0;
  for (const LayerRecord& r : layers_) count += r.type == type;
  return count;
}

LayerHandle Model::AsLayer(std::string name) const {
  return LayerHandle(std::make_shared<const NestedModel>(dag_, build_status()),
                     std::move(name));
}

absl::StatusOr<std::string> Model::Summary() const {
  RETURN_IF_ERROR(build_status());
  const bool wide = show_connections_;
  const std::string rule(wide ? 98 : 72, '=');
  auto row = [&](const std::string& layer, const std::string& shape,
                 const std::string& params, const std::string& connected) {
    return wide ? absl::StrFormat("%-30s %-22s %12s  %s\n", layer, shape,
                                  params, connected)
                : absl::StrFormat("%-36s %-22s %12s\n", layer, shape, params);
  };
  std::string out =
      row("Layer (type)", "Output Shape", "Param #", "Connected to");
  absl::StrAppend(&out, rule, "\n");
  for (const auto& [name, id] : input_rows_) {
    ASSIGN_OR_RETURN(Shape shape, builder()->shape(id));
    out += row(absl::StrCat(name, " (Input)"), shape.DebugString(), "0", "");
  }
  int64_t total = 0, trainable = 0;
  absl::flat_hash_map<std::string, int> calls;
  for (const LayerRecord& info : layers_) {
    ASSIGN_OR_RETURN(Shape shape, builder()->shape(info.output));
    int64_t count = 0;
    for (NodeId p : info.parameters) {
      ASSIGN_OR_RETURN(Shape ps, builder()->shape(p));
      count += ps.num_elements();
      if (builder()->is_trainable(p)) trainable += ps.num_elements();
    }
    total += count;
    const int call = ++calls[info.name];
    std::string label = absl::StrCat(info.name, " (", info.type, ")");
    if (call > 1) absl::StrAppend(&label, " #", call);
    out += row(label, shape.DebugString(),
               call > 1 ? "shared" : WithThousands(count),
               absl::StrJoin(info.inbound, ", "));
  }
  absl::StrAppendFormat(&out,
                        "%s\nTotal params: %s\nTrainable params: %s\n"
                        "Non-trainable params: %s\n",
                        rule, WithThousands(total), WithThousands(trainable),
                        WithThousands(total - trainable));
  return out;
}

}  // namespace dagrad
