#include "graph/graph.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dagrad {

ParameterInit ConstantInit(float value) {
  return [value](Tensor* t, Rng*) {
    t->Fill(value);
    return absl::OkStatus();
  };
}

ParameterInit UniformInit(float lo, float hi) {
  return [lo, hi](Tensor* t, Rng* rng) {
    for (int64_t i = 0; i < t->size(); ++i) (*t)[i] = rng->Uniform(lo, hi);
    return absl::OkStatus();
  };
}

ParameterInit NormalInit(float mean, float stddev) {
  return [mean, stddev](Tensor* t, Rng* rng) {
    for (int64_t i = 0; i < t->size(); ++i) (*t)[i] = rng->Normal(mean, stddev);
    return absl::OkStatus();
  };
}

std::vector<NodeId> DependenciesOf(const Node& node) {
  std::vector<NodeId> deps = node.inputs;
  if (node.type == NodeType::kVjp) deps.push_back(node.forward);
  return deps;
}

NodeId Graph::FindNode(absl::string_view name) const {
  for (int i = 0; i < num_nodes(); ++i) {
    if (nodes_[i].name == name) return NodeId{i};
  }
  return NodeId{};
}

std::string GraphBuilder::UniqueName(std::string name) {
  std::string candidate = name;
  for (int k = 1;; ++k) {
    if (std::find(names_.begin(), names_.end(), candidate) == names_.end()) {
      return candidate;
    }
    candidate = absl::StrCat(name, "_", k);
  }
}

NodeId GraphBuilder::Append(Node node) {
  names_.push_back(node.name);
  nodes_.push_back(std::move(node));
  return NodeId{static_cast<int32_t>(nodes_.size() - 1)};
}

absl::StatusOr<NodeId> GraphBuilder::AddInput(std::string name, Shape shape) {
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape.dim(i) < 0 && !(i == 0 && shape.dim(i) == Shape::kUnknownDim)) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", name, "': shape ", shape.DebugString(),
                       " may have an unknown dim only at dim 0"));
    }
  }
  Node node;
  node.type = NodeType::kInput;
  node.name = UniqueName(std::move(name));
  node.shape = std::move(shape);
  return Append(std::move(node));
}

absl::StatusOr<NodeId> GraphBuilder::AddParameter(std::string name, Shape shape,
                                                  ParameterInit init,
                                                  bool trainable) {
  if (!shape.is_fully_defined()) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", name, "': shape ", shape.DebugString(),
                     " must be fully defined"));
  }
  if (!init) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", name, "': no initializer"));
  }
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", name,
                     "': name already used (parameter names key the "
                     "ParameterStore and must be unique)"));
  }
  Node node;
  node.type = NodeType::kParameter;
  node.name = std::move(name);
  node.shape = std::move(shape);
  node.init = std::move(init);
  node.trainable = trainable;
  return Append(std::move(node));
}

absl::StatusOr<NodeId> GraphBuilder::AddConstant(std::string name,
                                                 Tensor value) {
  if (value.data() == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant '", name, "': empty tensor"));
  }
  Node node;
  node.type = NodeType::kConstant;
  node.name = UniqueName(std::move(name));
  node.shape = value.shape();
  Tensor owned = value.owns_data() ? std::move(value) : value.Clone();
  node.constant = std::make_shared<const Tensor>(std::move(owned));
  return Append(std::move(node));
}

absl::StatusOr<Shape> InferOpShape(const OpDef& def, const OpAttrs& attrs,
                                   absl::Span<const Shape> inputs,
                                   const std::string& node_name) {
  absl::StatusOr<Shape> shape = def.shape_fn(inputs, attrs);
  if (!shape.ok()) {
    bool unknown = false;
    std::vector<Shape> batch1(inputs.begin(), inputs.end());
    for (Shape& s : batch1) {
      if (s.rank() > 0 && s.dim(0) == Shape::kUnknownDim) {
        s.set_dim(0, 1);
        unknown = true;
      }
    }
    if (unknown) {
      absl::StatusOr<Shape> retry = def.shape_fn(batch1, attrs);
      if (retry.ok()) return retry;
    }
    std::string msg(shape.status().message());
    if (msg.find("inputs [") == std::string::npos) {
      absl::StrAppend(&msg, "; inputs ", ShapesDebugString(inputs));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("node '", node_name, "' (", def.name(), "): ", msg));
  }
  return shape;
}

absl::StatusOr<NodeId> GraphBuilder::AddOpNode(OpKind kind, OpAttrs attrs,
                                               const std::type_info& attrs_type,
                                               std::vector<NodeId> inputs,
                                               NodeOptions options) {
  std::string base = options.name.empty() ? OpName(kind) : options.name;
  std::string full =
      options.scope.empty() ? base : absl::StrCat(options.scope, "/", base);
  const std::string where =
      absl::StrCat("node '", full, "' (", OpName(kind), ")");
  absl::StatusOr<const OpDef*> found = GetOp(kind);
  if (absl::IsAlreadyExists(found.status())) {  // A rejected duplicate.
    return absl::AlreadyExistsError(
        absl::StrCat(where, ": ", found.status().message()));
  }
  if (!found.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": op not registered (link //ops:<name>, alwayslink)"));
  }
  const OpDef* def = *found;
  const int n = static_cast<int>(inputs.size());
  if (n < OpMinInputs(kind) || n > OpMaxInputs(kind)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": takes ", OpMinInputs(kind), "..",
                     OpMaxInputs(kind), " inputs, got ", n));
  }
  if (def->default_attrs.type() != attrs_type) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": attrs of the wrong type ", attrs_type.name(),
                     ", expected ", def->default_attrs.type().name()));
  }
  std::vector<Shape> shapes;
  for (int i = 0; i < n; ++i) {
    if (!Contains(inputs[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": input ", i, " (node id ", inputs[i].index,
                       ") is not a node of this graph"));
    }
    shapes.push_back(nodes_[inputs[i].index].shape);
  }
  std::string unique = UniqueName(full);
  ASSIGN_OR_RETURN(Shape out, InferOpShape(*def, attrs, shapes, unique));
  Node node;
  node.type = NodeType::kOp;
  node.name = std::move(unique);
  node.shape = std::move(out);
  node.inputs = std::move(inputs);
  node.def = def;
  node.attrs = std::move(attrs);
  node.reverse = options.reverse;
  return Append(std::move(node));
}

absl::StatusOr<NodeId> GraphBuilder::AddVjpNode(NodeId forward, int wrt,
                                                NodeId grad) {
  if (!Contains(forward) || !Contains(grad) ||
      nodes_[forward.index].type != NodeType::kOp) {
    return absl::InvalidArgumentError("AddVjpNode: bad forward or grad node");
  }
  const Node& fwd = nodes_[forward.index];
  if (wrt < 0 || wrt >= static_cast<int>(fwd.inputs.size()) ||
      !fwd.def->IsDifferentiableInput(wrt) || fwd.def->vjp == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", fwd.name, "' (", fwd.def->name(), "): input ",
                     wrt, " is not differentiable"));
  }
  if (nodes_[grad.index].shape != fwd.shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", fwd.name, "': gradient shape ",
                     nodes_[grad.index].shape.DebugString(),
                     " differs from output shape ", fwd.shape.DebugString()));
  }
  Node node;
  node.type = NodeType::kVjp;
  node.name = UniqueName(absl::StrCat("grad/", fwd.name, "/d", wrt));
  node.shape = nodes_[fwd.inputs[wrt].index].shape;
  node.def = fwd.def;
  node.attrs = fwd.attrs;
  node.forward = forward;
  node.wrt = wrt;
  node.inputs.push_back(grad);
  const uint32_t uses = OpVjpUses(*fwd.def, fwd.attrs);
  if (uses & kVjpUsesInputs) {
    for (NodeId in : fwd.inputs) node.inputs.push_back(in);
  }
  if (uses & kVjpUsesOutput) node.inputs.push_back(forward);
  return Append(std::move(node));
}

absl::StatusOr<NodeId> GraphBuilder::AddNode(Node node) {
  for (NodeId dep : DependenciesOf(node)) {
    if (!Contains(dep)) {
      return absl::InvalidArgumentError(
          absl::StrCat("AddNode: node '", node.name, "': input node id ",
                       dep.index, " is not in this builder"));
    }
  }
  if (node.type == NodeType::kOp) {
    std::vector<Shape> shapes;
    for (NodeId in : node.inputs) shapes.push_back(nodes_[in.index].shape);
    ASSIGN_OR_RETURN(node.shape,
                     InferOpShape(*node.def, node.attrs, shapes, node.name));
  } else if (node.type == NodeType::kVjp) {
    const Node& fwd = nodes_[node.forward.index];
    if (fwd.type != NodeType::kOp || node.wrt < 0 ||
        node.wrt >= static_cast<int>(fwd.inputs.size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AddNode: VJP node '", node.name, "' has a bad forward node"));
    }
    node.shape = nodes_[fwd.inputs[node.wrt].index].shape;
  }
  if (node.type != NodeType::kParameter) {
    node.name = UniqueName(std::move(node.name));
  }
  return Append(std::move(node));
}

absl::StatusOr<Shape> GraphBuilder::shape(NodeId id) const {
  if (!Contains(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("node id ", id.index, " is not in this graph"));
  }
  return nodes_[id.index].shape;
}

std::vector<NodeId> GraphBuilder::parameters() const {
  std::vector<NodeId> out;
  for (int i = 0; i < num_nodes(); ++i) {
    if (nodes_[i].type == NodeType::kParameter) out.push_back(NodeId{i});
  }
  return out;
}

std::vector<NodeId> GraphBuilder::trainable_parameters() const {
  std::vector<NodeId> out;
  for (int i = 0; i < num_nodes(); ++i) {
    if (nodes_[i].type == NodeType::kParameter && nodes_[i].trainable) {
      out.push_back(NodeId{i});
    }
  }
  return out;
}

absl::StatusOr<Graph> GraphBuilder::Finalize() const {
  for (int i = 0; i < num_nodes(); ++i) {
    for (NodeId dep : DependenciesOf(nodes_[i])) {
      if (dep.index < 0 || dep.index >= i) {
        return absl::InvalidArgumentError(absl::StrCat(
            "node '", nodes_[i].name, "': input node id ", dep.index,
            dep.index >= i ? " is not defined before it (cycle)"
                           : " is undefined"));
      }
    }
  }
  Graph g;
  g.nodes_ = nodes_;
  for (int i = 0; i < num_nodes(); ++i) {
    if (g.nodes_[i].origin < 0) g.nodes_[i].origin = i;
  }
  g.finalized_ = true;
  return g;
}

}  // namespace dagrad
