#include "graph/autodiff.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

// DifferentiableEdge() is true if gradients flow from `node` to input i.
bool DifferentiableEdge(const Node& node, int i) {
  return node.type == NodeType::kOp && !node.reverse &&
         node.def->vjp != nullptr && node.def->IsDifferentiableInput(i);
}

// AddSum() appends total + c as an Add node of the reverse pass.
absl::StatusOr<NodeId> AddSum(GraphBuilder* b, NodeId total, NodeId c,
                              const std::string& node_name) {
  ASSIGN_OR_RETURN(const OpDef* add, GetOp(OpKind::kAdd));
  NodeOptions options;
  options.name = absl::StrCat("grad/", node_name, "/sum");
  options.reverse = true;
  return b->AddOpNode(OpKind::kAdd, add->default_attrs,
                      add->default_attrs.type(), {total, c},
                      std::move(options));
}

}  // namespace

absl::StatusOr<std::vector<NodeId>> AddGradients(GraphBuilder* b, NodeId loss,
                                                 std::vector<NodeId> wrt) {
  if (!b->Contains(loss)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AddGradients: loss node id ", loss.index, " is not in the graph"));
  }
  const Shape loss_shape = b->node(loss).shape;
  if (loss_shape.num_elements() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AddGradients: loss '", b->node(loss).name, "' has shape ",
        loss_shape.DebugString(), "; it must have exactly one element"));
  }
  const int n = b->num_nodes();
  for (NodeId w : wrt) {
    if (!b->Contains(w) || w.index >= n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AddGradients: wrt node id ", w.index, " is not in the graph"));
    }
  }
  // reaches[i]: node i reaches the loss through differentiable edges.
  std::vector<bool> reaches(n, false);
  reaches[loss.index] = true;
  for (int i = loss.index; i >= 0; --i) {
    if (!reaches[i]) continue;
    const Node& node = b->node(NodeId{i});
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      if (DifferentiableEdge(node, k)) reaches[node.inputs[k].index] = true;
    }
  }
  // from_wrt[i]: node i depends on some wrt node.
  std::vector<bool> from_wrt(n, false);
  for (NodeId w : wrt) {
    if (!reaches[w.index]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "AddGradients: node '", b->node(w).name,
          "' does not reach the loss '", b->node(loss).name,
          "' through differentiable edges; its gradient is undefined"));
    }
    from_wrt[w.index] = true;
  }
  for (int i = 0; i <= loss.index; ++i) {
    const Node& node = b->node(NodeId{i});
    for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
      if (from_wrt[node.inputs[k].index] && DifferentiableEdge(node, k)) {
        from_wrt[i] = true;
      }
    }
  }
  // Reverse sweep. contributions[i] = gradient pieces for node i.
  std::vector<std::vector<NodeId>> contributions(n);
  std::vector<NodeId> grad(n);
  {
    Tensor seed = Tensor::Zeros(loss_shape);
    seed.Fill(1.0f);
    ASSIGN_OR_RETURN(NodeId s, b->AddConstant("grad/seed", std::move(seed)));
    contributions[loss.index].push_back(s);
  }
  for (int i = loss.index; i >= 0; --i) {
    if (!reaches[i] || !from_wrt[i] || contributions[i].empty()) continue;
    NodeId total = contributions[i][0];
    for (size_t c = 1; c < contributions[i].size(); ++c) {
      ASSIGN_OR_RETURN(total, AddSum(b, total, contributions[i][c],
                                     b->node(NodeId{i}).name));
    }
    grad[i] = total;
    const int num_inputs = static_cast<int>(b->node(NodeId{i}).inputs.size());
    for (int k = 0; k < num_inputs; ++k) {
      const Node& node = b->node(NodeId{i});
      const NodeId in = node.inputs[k];
      if (!DifferentiableEdge(node, k) || !reaches[in.index] ||
          !from_wrt[in.index]) {
        continue;
      }
      ASSIGN_OR_RETURN(NodeId g, b->AddVjpNode(NodeId{i}, k, total));
      if (b->node(g).shape != b->node(in).shape) {
        return absl::InternalError(absl::StrCat(
            "gradient '", b->node(g).name, "' has shape ",
            b->node(g).shape.DebugString(), ", input '", b->node(in).name,
            "' has ", b->node(in).shape.DebugString()));
      }
      contributions[in.index].push_back(g);
    }
  }
  std::vector<NodeId> out;
  out.reserve(wrt.size());
  for (NodeId w : wrt) out.push_back(grad[w.index]);
  return out;
}

}  // namespace dagrad
