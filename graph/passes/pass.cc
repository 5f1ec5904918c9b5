#include "graph/passes/pass.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace dagrad {

GraphRewriter::GraphRewriter(const Graph& old, const char* pass)
    : old_(old), pass_(pass), map_(old.num_nodes()) {}

absl::Status GraphRewriter::Keep(NodeId old) {
  Node node = old_.node(old);
  for (NodeId& in : node.inputs) {
    const NodeId now = map_[in.index];
    if (!now.valid()) {
      return absl::InternalError(absl::StrCat(pass_, ": node '", node.name,
                                              "' reads '", old_.node(in).name,
                                              "', which the pass removed"));
    }
    in = now;
  }
  if (node.type == NodeType::kVjp) {
    node.forward = map_[node.forward.index];
    if (!node.forward.valid()) {
      return absl::InternalError(absl::StrCat(pass_, ": VJP node '", node.name,
                                              "' lost its forward node"));
    }
  }
  ASSIGN_OR_RETURN(map_[old.index], builder_.AddNode(std::move(node)));
  return absl::OkStatus();
}

absl::StatusOr<NodeId> GraphRewriter::Emit(Node node, NodeId like) {
  ASSIGN_OR_RETURN(NodeId id, builder_.AddNode(std::move(node)));
  builder_.SetProvenance(id, old_.node(like).origin, pass_);
  map_[like.index] = id;
  return id;
}

absl::StatusOr<NodeId> GraphRewriter::EmitVjp(NodeId forward, int wrt,
                                              NodeId grad, NodeId like) {
  ASSIGN_OR_RETURN(NodeId id, builder_.AddVjpNode(forward, wrt, grad));
  builder_.SetProvenance(id, old_.node(like).origin, pass_);
  map_[like.index] = id;
  return id;
}

void GraphRewriter::Replace(NodeId old, NodeId now) {
  map_[old.index] = now;
  ++rewrites_;
}

absl::StatusOr<PassResult> GraphRewriter::Finish() {
  PassResult result;
  ASSIGN_OR_RETURN(result.graph, builder_.Finalize());
  result.remap = std::move(map_);
  result.rewrites = rewrites_;
  return result;
}

std::vector<std::vector<NodeId>> Consumers(const Graph& graph) {
  std::vector<std::vector<NodeId>> out(graph.num_nodes());
  for (int i = 0; i < graph.num_nodes(); ++i) {
    for (NodeId d : DependenciesOf(graph.node(NodeId{i}))) {
      std::vector<NodeId>& c = out[d.index];
      if (c.empty() || c.back() != NodeId{i}) c.push_back(NodeId{i});
    }
  }
  return out;
}

Uses FindUses(const Graph& graph, absl::Span<const NodeId> roots) {
  Uses uses;
  uses.users = Consumers(graph);
  uses.root.assign(graph.num_nodes(), false);
  for (NodeId r : roots) {
    if (graph.Contains(r)) uses.root[r.index] = true;
  }
  return uses;
}

int Matches::Add(const std::vector<NodeId>& members) {
  for (NodeId n : members) {
    if (n.valid() && of_[n.index] >= 0) return -1;
  }
  for (NodeId n : members) {
    if (n.valid()) of_[n.index] = count_;
  }
  return count_++;
}

std::vector<std::vector<NodeId>> VjpsOf(const Graph& graph,
                                        const std::vector<NodeId>& consumers,
                                        NodeId forward) {
  std::vector<std::vector<NodeId>> out(graph.node(forward).inputs.size());
  for (NodeId c : consumers) {
    const Node& n = graph.node(c);
    if (n.type == NodeType::kVjp && n.forward == forward) {
      out[n.wrt].push_back(c);
    }
  }
  return out;
}

bool IsOp(const Node& node, OpKind kind) {
  return node.type == NodeType::kOp && !node.reverse && node.def->kind == kind;
}

}  // namespace dagrad
