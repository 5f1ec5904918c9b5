#include "graph/passes/constant_folding.h"

#include <memory>
#include <utility>
#include <vector>

#include "core/thread_pool.h"
#include "graph/passes/cse.h"
#include "ops/eager.h"

namespace dagrad {
namespace {

// Foldable() is true for a pure forward op node whose inputs are all
// constants of the new graph and that no VJP node refers to.
bool Foldable(const Graph& graph, const GraphRewriter& r, NodeId id,
              const std::vector<NodeId>& consumers) {
  const Node& node = graph.node(id);
  if (node.type != NodeType::kOp || !IsPureOp(*node.def) ||
      !node.shape.is_fully_defined()) {
    return false;
  }
  for (NodeId in : node.inputs) {
    const NodeId now = r.Map(in);
    if (!now.valid() || r.builder()->node(now).type != NodeType::kConstant) {
      return false;
    }
  }
  for (NodeId c : consumers) {
    if (graph.node(c).type == NodeType::kVjp && graph.node(c).forward == id) {
      return false;
    }
  }
  return true;
}

// Evaluate() runs the node's forward on the constants' values.
absl::StatusOr<Tensor> Evaluate(const Node& node, const GraphRewriter& r,
                                ThreadPool* pool) {
  std::vector<Shape> shapes;
  std::vector<Tensor> values;
  for (NodeId in : node.inputs) {
    const Node& c = r.builder()->node(r.Map(in));
    shapes.push_back(c.shape);
    values.push_back(c.constant->Clone());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<EagerOp> op,
                   EagerOp::Create(node.def->kind, node.attrs, shapes, pool));
  std::vector<Tensor*> inputs;
  for (Tensor& v : values) inputs.push_back(&v);
  RETURN_IF_ERROR(op->Forward(std::move(inputs)));
  return op->output().Clone();
}

}  // namespace

absl::StatusOr<PassResult> FoldConstants(const Graph& graph,
                                         absl::Span<const NodeId>) {
  GraphRewriter r(graph, kConstantFoldingPass);
  const std::vector<std::vector<NodeId>> consumers = Consumers(graph);
  ThreadPool pool(1);
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const NodeId id{i};
    if (!Foldable(graph, r, id, consumers[i])) {
      RETURN_IF_ERROR(r.Keep(id));
      continue;
    }
    const Node& node = graph.node(id);
    ASSIGN_OR_RETURN(Tensor value, Evaluate(node, r, &pool));
    ASSIGN_OR_RETURN(NodeId c,
                     r.builder()->AddConstant(node.name, std::move(value)));
    r.builder()->SetProvenance(c, node.origin, r.pass());
    r.Replace(id, c);
  }
  return r.Finish();
}

}  // namespace dagrad
