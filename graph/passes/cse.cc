#include "graph/passes/cse.h"

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace dagrad {
namespace {

// Key() is what must match, apart from the attrs: kind of node, op, wrt,
// forward, inputs (all as new ids), and the attrs' hash.
std::vector<int64_t> Key(const Node& node, const GraphRewriter& r) {
  std::vector<int64_t> key = {static_cast<int64_t>(node.type),
                              static_cast<int64_t>(node.def->kind), node.wrt,
                              node.reverse ? 1 : 0};
  if (node.type == NodeType::kVjp) key.push_back(r.Map(node.forward).index);
  for (NodeId in : node.inputs) key.push_back(r.Map(in).index);
  key.push_back(static_cast<int64_t>(OpAttrsHash(*node.def, node.attrs)));
  return key;
}

}  // namespace

bool IsPureOp(const OpDef& def) {
  return !def.random && def.mutable_inputs == 0 && def.attrs_equal != nullptr;
}

absl::StatusOr<PassResult> EliminateCommonSubexpressions(
    const Graph& graph, absl::Span<const NodeId>) {
  GraphRewriter r(graph, kCsePass);
  absl::flat_hash_map<std::vector<int64_t>, std::vector<NodeId>> seen;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const NodeId id{i};
    const Node& node = graph.node(id);
    const bool candidate =
        (node.type == NodeType::kOp || node.type == NodeType::kVjp) &&
        IsPureOp(*node.def);
    if (!candidate) {
      RETURN_IF_ERROR(r.Keep(id));
      continue;
    }
    std::vector<int64_t> key = Key(node, r);
    std::vector<NodeId>& same_key = seen[key];
    NodeId match;
    for (NodeId old : same_key) {
      if (OpAttrsEqual(*node.def, graph.node(old).attrs, node.attrs)) {
        match = r.Map(old);
        break;
      }
    }
    if (match.valid()) {
      r.Replace(id, match);
      continue;
    }
    RETURN_IF_ERROR(r.Keep(id));
    same_key.push_back(id);
  }
  return r.Finish();
}

}  // namespace dagrad
