// graph/graph.h: the static graph: GraphBuilder (mutable) and Graph (frozen).
//
// A graph is a DAG of nodes. Each node produces one tensor:
//  - inputs (placeholders fed per run; dim 0 may be Shape::kUnknownDim),
//  - parameters (values live in a ParameterStore, graph/parameter_store.h),
//  - constants (values owned by the graph, shared by copies of it),
//  - op nodes (an OpDef from ops/op.h applied to earlier nodes),
//  - reverse nodes added by AddGradients (graph/autodiff.h): VJP nodes
//    (forward node, input index) and the Add op nodes that sum fan-out
//    gradient contributions (op nodes marked `reverse`).
// Nodes are appended, and every input must already exist, so the node order
// is a topological order and a cycle cannot be built.
//
// Shape inference happens at once in AddOp. While the batch dim is unknown
// the shape fn is first run with kUnknownDim at dim 0; if it rejects that,
// it is rerun with 1 substituted for every unknown dim 0 (the recorded shape
// is then the batch-1 shape). Executor::Create re-infers every shape with
// the real batch size.
//
// Errors: every builder method returns InvalidArgument (never aborts) and
// leaves the builder unchanged on error.
//
// Example:
//   GraphBuilder b;
//   NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 4}));
//   NodeId y = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
//   NodeId w1 = *b.AddParameter("w1", Shape({4, 8}), UniformInit(-0.5f, 0.5f));
//   NodeId w2 = *b.AddParameter("w2", Shape({8, 3}), UniformInit(-0.5f, 0.5f));
//   NodeId h = *b.AddOp(MatMulAttrs{}, {x, w1}, {"", "l1"});
//   NodeId a = *b.AddOp(ReluAttrs{}, {h}, {"", "l1"});
//   NodeId z = *b.AddOp(MatMulAttrs{}, {a, w2}, {"", "l2"});
//   NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {z, y});
//   std::vector<NodeId> grads = *AddGradients(&b, loss, {w1, w2});
//   Graph graph = *b.Finalize();
//   ParameterStore store;
//   RETURN_IF_ERROR(store.Initialize(graph, /*seed=*/1));
//   ExecutorOptions opts;
//   opts.fetches = {loss, grads[0], grads[1]};
//   opts.batch_size = 2;
//   auto exec = *Executor::Create(graph, opts);
//   RETURN_IF_ERROR(exec->BindParameters(&store));
//   RETURN_IF_ERROR(exec->Feed(x, x_value));        // [2,4]
//   RETURN_IF_ERROR(exec->Feed(y, label_value));    // [2]
//   RETURN_IF_ERROR(exec->Run());
//   for (int k = 0; k < 2; ++k) {                   // one SGD step
//     Tensor* w = store.Find(k == 0 ? "w1" : "w2");
//     const Tensor* g = *exec->Fetch(grads[k]);
//     for (int64_t i = 0; i < w->size(); ++i) (*w)[i] -= 0.1f * (*g)[i];
//   }
// (tests/graph/header_example_test.cc runs this example; it needs
// //ops:mat_mul.)
#ifndef DAGRAD_GRAPH_GRAPH_H_
#define DAGRAD_GRAPH_GRAPH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "ops/op.h"

namespace dagrad {

// NodeId is a small typed handle to a node of one GraphBuilder/Graph.
struct NodeId {
  int32_t index = -1;
  bool valid() const { return index >= 0; }
  friend bool operator==(NodeId a, NodeId b) { return a.index == b.index; }
  friend bool operator!=(NodeId a, NodeId b) { return a.index != b.index; }
  friend bool operator<(NodeId a, NodeId b) { return a.index < b.index; }
  template <typename H>
  friend H AbslHashValue(H h, NodeId id) {
    return H::combine(std::move(h), id.index);
  }
};

// NodeOptions names an op node: full name "scope/name", or "scope/OpName"
// when name is empty; without a scope just "name" or "OpName". Full names
// must be unique; a duplicate gets a suffix "_1", "_2", ...
struct NodeOptions {
  std::string name;
  std::string scope;
  // reverse: the node belongs to the reverse pass (autodiff's fan-out sums);
  // it is drawn as such and never differentiated.
  bool reverse = false;
};

// ParameterInit fills a freshly allocated parameter value. Called by
// ParameterStore::Initialize with a per-parameter Rng.
using ParameterInit = std::function<absl::Status(Tensor* value, Rng* rng)>;

// Simple initializers (the layers add more on top of ParameterInit).
ParameterInit ConstantInit(float value);
ParameterInit UniformInit(float lo, float hi);
ParameterInit NormalInit(float mean, float stddev);

enum class NodeType : int {
  kInput,
  kParameter,
  kConstant,
  kOp,
  kVjp,  // Reverse: gradient of `forward`'s input `wrt`.
};

// Node is one node of a graph. Read-only outside the builder.
struct Node {
  NodeType type = NodeType::kOp;
  std::string name;  // Full name, unique.
  Shape shape;       // As inferred at build time.
  // Data dependencies. For kVjp: {grad_output} followed by the forward
  // inputs the op's VjpUses lists (all of them) and the forward node itself
  // if the output is used; see vjp_* fields for the exact roles.
  std::vector<NodeId> inputs;
  // kOp and kVjp: the op.
  const OpDef* def = nullptr;
  OpAttrs attrs;
  // kVjp only.
  NodeId forward;
  int wrt = -1;
  // kParameter only.
  ParameterInit init;
  bool trainable = true;
  // kConstant only (shared, immutable).
  std::shared_ptr<const Tensor> constant;
  // reverse: an op node of the reverse pass (NodeOptions::reverse).
  bool reverse = false;
  // origin: the id this node had in the graph as built (Finalize() sets it;
  // graph passes keep it). Random ops draw from a seed of it, so a rewritten
  // graph draws the same dropout masks.
  int32_t origin = -1;
  // rewritten_by: the graph pass that made this node (graph/passes/), or
  // nullptr for a node as built. Shown by DOT and profiles.
  const char* rewritten_by = nullptr;

  bool is_reverse() const { return type == NodeType::kVjp || reverse; }
};

// DependenciesOf() lists every node that must run before `node`: its data
// inputs plus, for a VJP node, its forward node (whose aux it reads).
std::vector<NodeId> DependenciesOf(const Node& node);

// Graph is an immutable, validated DAG made by GraphBuilder::Finalize().
// Copyable (constants are shared). A default-constructed Graph is not
// finalized; executors reject it with FailedPrecondition.
class Graph {
 public:
  Graph() = default;

  bool finalized() const { return finalized_; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  const Node& node(NodeId id) const { return nodes_[id.index]; }
  bool Contains(NodeId id) const {
    return id.index >= 0 && id.index < num_nodes();
  }
  const std::vector<Node>& nodes() const { return nodes_; }
  // FindNode() returns the node with this full name, or an invalid id.
  NodeId FindNode(absl::string_view name) const;
  // passes() says which graph passes made this graph and how often each
  // applied (graph/passes/pipeline.h sets it), or is empty for a graph as
  // built. DOT and profiles print it.
  const std::string& passes() const { return passes_; }
  void set_passes(std::string summary) { passes_ = std::move(summary); }

 private:
  friend class GraphBuilder;
  std::vector<Node> nodes_;
  bool finalized_ = false;
  std::string passes_;
};

class GraphBuilder {
 public:
  GraphBuilder() = default;

  // AddInput() adds a placeholder fed at each run. Only dim 0 may be
  // Shape::kUnknownDim (the batch dim).
  absl::StatusOr<NodeId> AddInput(std::string name, Shape shape);
  // AddParameter() adds a parameter; its value lives in a ParameterStore and
  // is created with `init`. Non-trainable parameters (running statistics)
  // are excluded from trainable_parameters(). Shape must be fully defined.
  absl::StatusOr<NodeId> AddParameter(std::string name, Shape shape,
                                      ParameterInit init,
                                      bool trainable = true);
  // AddConstant() adds a constant owned by the graph.
  absl::StatusOr<NodeId> AddConstant(std::string name, Tensor value);

  // AddOp() adds an op node; the op is Attrs::kKind, or for a user op the
  // registered op named Attrs::kOpName (ops/op.h OpKindOf()). Checks the
  // arity, that Attrs is the op's registered attrs type, and runs the shape
  // fn. Errors name the node, the op and every input shape.
  template <typename Attrs>
  absl::StatusOr<NodeId> AddOp(const Attrs& attrs, std::vector<NodeId> inputs,
                               NodeOptions options = {}) {
    absl::StatusOr<OpKind> kind = OpKindOf<Attrs>();
    if (!kind.ok()) return absl::InvalidArgumentError(kind.status().message());
    return AddOpNode(*kind, OpAttrs(attrs), typeid(Attrs), std::move(inputs),
                     std::move(options));
  }
  // AddOpNode() is AddOp with a type-erased attrs (`attrs_type` must be the
  // type `attrs` holds).
  absl::StatusOr<NodeId> AddOpNode(OpKind kind, OpAttrs attrs,
                                   const std::type_info& attrs_type,
                                   std::vector<NodeId> inputs,
                                   NodeOptions options);

  // AddVjpNode() is used by AddGradients and the graph passes.
  absl::StatusOr<NodeId> AddVjpNode(NodeId forward, int wrt, NodeId grad);
  // AddNode() appends a copy of a node of another graph whose inputs (and,
  // for a VJP, forward) already name nodes of this builder: the graph
  // passes' copy step. Checks those ids, re-infers an op node's shape, takes
  // a VJP node's shape from its forward's input, and keeps names unique.
  absl::StatusOr<NodeId> AddNode(Node node);

  // shape() is the node's shape as inferred at build time.
  absl::StatusOr<Shape> shape(NodeId id) const;
  // trainable_parameters() lists trainable parameters in creation order;
  // parameters() lists every parameter (running statistics too).
  std::vector<NodeId> trainable_parameters() const;
  std::vector<NodeId> parameters() const;
  // Per-node accessors; each requires Contains(id).
  // name() is the full name; is_trainable() is false for non-parameters;
  // op_kind() is the op of an op or VJP node (nullopt for other nodes).
  const std::string& name(NodeId id) const { return nodes_[id.index].name; }
  bool is_trainable(NodeId id) const {
    return nodes_[id.index].type == NodeType::kParameter &&
           nodes_[id.index].trainable;
  }
  std::optional<OpKind> op_kind(NodeId id) const {
    const Node& n = nodes_[id.index];
    if (n.def == nullptr) return std::nullopt;
    return n.def->kind;
  }
  const std::vector<NodeId>& inputs(NodeId id) const {
    return nodes_[id.index].inputs;
  }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  bool Contains(NodeId id) const {
    return id.index >= 0 && id.index < num_nodes();
  }
  const Node& node(NodeId id) const { return nodes_[id.index]; }

  // SetProvenance() records, for a node a graph pass made, the origin it
  // stands for (Node::origin) and the pass (Node::rewritten_by).
  void SetProvenance(NodeId id, int32_t origin, const char* pass) {
    nodes_[id.index].origin = origin;
    nodes_[id.index].rewritten_by = pass;
  }

  // Finalize() validates the graph (acyclic, every input defined) and
  // returns a frozen copy. The builder stays usable.
  absl::StatusOr<Graph> Finalize() const;

 private:
  std::string UniqueName(std::string name);
  NodeId Append(Node node);

  std::vector<Node> nodes_;
  std::vector<std::string> names_;
};

// InferOpShape() runs `def`'s shape fn on `inputs` and prefixes errors with
// the node's name; see the file comment for unknown batch dims.
absl::StatusOr<Shape> InferOpShape(const OpDef& def, const OpAttrs& attrs,
                                   absl::Span<const Shape> inputs,
                                   const std::string& node_name);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_GRAPH_H_
