#include "graph/passes/relu_pool_reorder.h"

#include <vector>

namespace dagrad {
namespace {

// Match: relu = Relu(x), pool = MaxPool2D(relu), and their VJPs (if any):
// pool_vjp = dL/drelu (read only by relu_vjp), relu_vjp = dL/dx.
struct Match {
  NodeId relu, pool, pool_vjp, relu_vjp;
  // Set while rewriting: the new pool and relu.
  NodeId new_pool, new_relu;
};

// Only() is the single entry of `v`, or an invalid id (none or several).
NodeId Only(const std::vector<NodeId>& v) {
  return v.size() == 1 ? v[0] : NodeId{};
}

bool FindMatch(const Graph& g, const Uses& uses, NodeId pool, Match* m) {
  const std::vector<std::vector<NodeId>>& users = uses.users;
  const std::vector<bool>& root = uses.root;
  const Node& p = g.node(pool);
  if (!IsOp(p, OpKind::kMaxPool2D)) return false;
  const NodeId relu = p.inputs[0];
  if (!IsOp(g.node(relu), OpKind::kRelu) || root[relu.index]) return false;
  const std::vector<std::vector<NodeId>> relu_vjps =
      VjpsOf(g, users[relu.index], relu);
  const std::vector<std::vector<NodeId>> pool_vjps =
      VjpsOf(g, users[pool.index], pool);
  if (relu_vjps[0].size() > 1 || pool_vjps[0].size() > 1) return false;
  m->relu = relu;
  m->pool = pool;
  m->relu_vjp = Only(relu_vjps[0]);
  m->pool_vjp = Only(pool_vjps[0]);
  // The relu feeds the pool and its own VJP, nothing else.
  for (NodeId u : users[relu.index]) {
    if (u != pool && u != m->relu_vjp) return false;
  }
  if (m->pool_vjp.valid() != m->relu_vjp.valid()) return false;
  if (m->pool_vjp.valid()) {
    // dL/drelu is read by the relu's VJP only.
    if (root[m->pool_vjp.index] ||
        users[m->pool_vjp.index] != std::vector<NodeId>{m->relu_vjp} ||
        g.node(m->relu_vjp).inputs[0] != m->pool_vjp) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<PassResult> ReorderReluMaxPool(const Graph& graph,
                                              absl::Span<const NodeId> roots) {
  GraphRewriter r(graph, kReluPoolReorderPass);
  const Uses uses = FindUses(graph, roots);
  Matches index(graph.num_nodes());
  std::vector<Match> matches;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    Match m;
    if (FindMatch(graph, uses, NodeId{i}, &m) &&
        index.Add({m.relu, m.pool, m.pool_vjp, m.relu_vjp}) >= 0) {
      matches.push_back(m);
    }
  }
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const NodeId id{i};
    const int k = index.Of(id);
    if (k < 0) {
      RETURN_IF_ERROR(r.Keep(id));
      continue;
    }
    Match& m = matches[k];
    const Node& node = graph.node(id);
    if (id == m.relu) continue;  // Emitted after the pool.
    if (id == m.pool) {
      // pool' = MaxPool2D(x); relu' = Relu(pool') stands for the old pool.
      Node pool = node;
      pool.inputs = {r.Map(graph.node(m.relu).inputs[0])};
      ASSIGN_OR_RETURN(m.new_pool, r.Emit(std::move(pool), m.pool));
      Node relu = graph.node(m.relu);
      relu.inputs = {m.new_pool};
      ASSIGN_OR_RETURN(m.new_relu, r.Emit(std::move(relu), m.relu));
      r.Replace(m.pool, m.new_relu);
    } else if (id == m.pool_vjp) {
      // d pool' = relu'_vjp(dL/dy), standing in for dL/drelu until the
      // relu's VJP below (it has no counterpart in the old graph).
      RETURN_IF_ERROR(
          r.EmitVjp(m.new_relu, 0, r.Map(node.inputs[0]), id).status());
    } else if (id == m.relu_vjp) {
      // dL/dx = pool'_vjp(d pool').
      RETURN_IF_ERROR(r.EmitVjp(m.new_pool, 0, r.Map(m.pool_vjp), id).status());
    }
  }
  PassResult result;
  ASSIGN_OR_RETURN(result, r.Finish());
  // The old relu and dL/drelu have no counterpart.
  for (const Match& m : matches) {
    result.remap[m.relu.index] = NodeId{};
    if (m.pool_vjp.valid()) result.remap[m.pool_vjp.index] = NodeId{};
  }
  return result;
}

}  // namespace dagrad
