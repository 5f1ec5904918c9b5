#include "graph/passes/activation_fusion.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/fused_activation.h"

namespace dagrad {
namespace {

// Chain: act(bias_add(producer(...), b)) or act(producer(...)), with the
// VJP nodes of each (invalid where absent).
struct Chain {
  NodeId producer, bias_add, act;
  NodeId act_vjp, bias_dx, bias_db;
  std::vector<NodeId> producer_vjps;  // Per producer input.
  NodeId fused;                       // Set while rewriting.
};

bool IsActivation(const Node& n) {
  return IsOp(n, OpKind::kRelu) || IsOp(n, OpKind::kTanh) ||
         IsOp(n, OpKind::kSigmoid);
}

bool IsProducer(const Node& n) {
  return IsOp(n, OpKind::kConv2D) || IsOp(n, OpKind::kMatMul) ||
         IsOp(n, OpKind::kMaxPool2D);
}

// OneEach() is true when `vjps` has at most one VJP per input; `out` gets
// them (invalid where none).
bool OneEach(const std::vector<std::vector<NodeId>>& vjps,
             std::vector<NodeId>* out) {
  out->clear();
  for (const std::vector<NodeId>& v : vjps) {
    if (v.size() > 1) return false;
    out->push_back(v.empty() ? NodeId{} : v[0]);
  }
  return true;
}

// OnlyUsers() is true when every user of `id` is in `allowed` (invalid ids
// in `allowed` are ignored).
bool OnlyUsers(const std::vector<NodeId>& users,
               const std::vector<NodeId>& allowed) {
  for (NodeId u : users) {
    bool found = false;
    for (NodeId a : allowed) found |= a.valid() && a == u;
    if (!found) return false;
  }
  return true;
}

// ReadsGrad() is true when VJP node `vjp` (if valid) takes `grad` as dL/dy.
bool ReadsGrad(const Graph& g, NodeId vjp, NodeId grad) {
  return !vjp.valid() || (grad.valid() && g.node(vjp).inputs[0] == grad);
}

bool FindChain(const Graph& g, const Uses& uses, NodeId act, Chain* c) {
  const std::vector<std::vector<NodeId>>& users = uses.users;
  const std::vector<bool>& root = uses.root;
  const Node& a = g.node(act);
  if (!IsActivation(a)) return false;
  c->act = act;
  NodeId prev = a.inputs[0];
  if (IsOp(g.node(prev), OpKind::kBiasAdd)) {
    c->bias_add = prev;
    prev = g.node(prev).inputs[0];
  }
  c->producer = prev;
  const Node& p = g.node(c->producer);
  if (!IsProducer(p) ||
      !CanFuseActivation(p.def->kind, c->bias_add.valid(), a.def->kind)) {
    return false;
  }
  std::vector<NodeId> act_vjps, bias_vjps;
  if (!OneEach(VjpsOf(g, users[act.index], act), &act_vjps) ||
      !OneEach(VjpsOf(g, users[c->producer.index], c->producer),
               &c->producer_vjps)) {
    return false;
  }
  c->act_vjp = act_vjps[0];
  if (c->bias_add.valid()) {
    if (!OneEach(VjpsOf(g, users[c->bias_add.index], c->bias_add),
                 &bias_vjps)) {
      return false;
    }
    c->bias_dx = bias_vjps[0];
    c->bias_db = bias_vjps[1];
  }
  // The absorbed forward values feed only the next node and their VJPs.
  std::vector<NodeId> producer_users = c->producer_vjps;
  producer_users.push_back(c->bias_add.valid() ? c->bias_add : act);
  if (root[c->producer.index] ||
      !OnlyUsers(users[c->producer.index], producer_users)) {
    return false;
  }
  if (c->bias_add.valid() &&
      (root[c->bias_add.index] ||
       !OnlyUsers(users[c->bias_add.index], {act, c->bias_dx, c->bias_db}))) {
    return false;
  }
  // The absorbed gradients feed only the next VJPs.
  const NodeId dp = c->bias_add.valid() ? c->bias_dx : c->act_vjp;
  for (NodeId v : c->producer_vjps) {
    if (!ReadsGrad(g, v, dp)) return false;
  }
  if (!ReadsGrad(g, c->bias_dx, c->act_vjp) ||
      !ReadsGrad(g, c->bias_db, c->act_vjp)) {
    return false;
  }
  for (NodeId v : {c->act_vjp, c->bias_dx}) {
    if (v.valid() && root[v.index]) return false;
  }
  if (c->act_vjp.valid()) {
    std::vector<NodeId> next = c->producer_vjps;
    if (c->bias_add.valid()) next = {c->bias_dx, c->bias_db};
    if (!OnlyUsers(users[c->act_vjp.index], next)) return false;
  }
  if (c->bias_dx.valid() &&
      !OnlyUsers(users[c->bias_dx.index], c->producer_vjps)) {
    return false;
  }
  return true;
}

absl::StatusOr<Node> FusedNode(const Graph& g, const GraphRewriter& r,
                               const Chain& c) {
  const Node& p = g.node(c.producer);
  const Node& a = g.node(c.act);
  ASSIGN_OR_RETURN(FusedActivationAttrs attrs,
                   MakeFusedActivation(p.def->kind, p.attrs, c.bias_add.valid(),
                                       a.def->kind));
  ASSIGN_OR_RETURN(const OpDef* def, GetOp(OpKind::kFusedActivation));
  Node node;
  node.type = NodeType::kOp;
  node.def = def;
  node.attrs = OpAttrs(attrs);
  // "dense_1/MatMul" -> "dense_1/MatMul+BiasAdd+Relu".
  node.name = absl::StrCat(p.name, c.bias_add.valid() ? "+BiasAdd" : "", "+",
                           a.def->name());
  for (NodeId in : p.inputs) node.inputs.push_back(r.Map(in));
  if (c.bias_add.valid()) {
    node.inputs.push_back(r.Map(g.node(c.bias_add).inputs[1]));
  }
  return node;
}

}  // namespace

absl::StatusOr<PassResult> FuseActivations(const Graph& graph,
                                           absl::Span<const NodeId> roots) {
  GraphRewriter r(graph, kActivationFusionPass);
  const Uses uses = FindUses(graph, roots);
  Matches index(graph.num_nodes());
  std::vector<Chain> chains;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    Chain c;
    if (!FindChain(graph, uses, NodeId{i}, &c)) continue;
    std::vector<NodeId> members = {c.producer, c.bias_add, c.act,
                                   c.act_vjp,  c.bias_dx,  c.bias_db};
    members.insert(members.end(), c.producer_vjps.begin(),
                   c.producer_vjps.end());
    if (index.Add(members) >= 0) chains.push_back(std::move(c));
  }
  std::vector<NodeId> absorbed;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const NodeId id{i};
    const int k = index.Of(id);
    if (k < 0) {
      RETURN_IF_ERROR(r.Keep(id));
      continue;
    }
    Chain& c = chains[k];
    if (id == c.act) {
      ASSIGN_OR_RETURN(Node fused, FusedNode(graph, r, c));
      ASSIGN_OR_RETURN(c.fused, r.Emit(std::move(fused), id));
      r.CountRewrite();
      continue;
    }
    if (id == c.producer || id == c.bias_add || id == c.act_vjp ||
        id == c.bias_dx) {
      absorbed.push_back(id);
      continue;
    }
    // A VJP of the producer (input k) or dBias: the fused node's VJP on the
    // gradient the activation's VJP read.
    const NodeId grad = r.Map(graph.node(c.act_vjp).inputs[0]);
    const Node& node = graph.node(id);
    const int producer_inputs =
        static_cast<int>(graph.node(c.producer).inputs.size());
    const int wrt = id == c.bias_db ? producer_inputs : node.wrt;
    RETURN_IF_ERROR(r.EmitVjp(c.fused, wrt, grad, id).status());
  }
  PassResult result;
  ASSIGN_OR_RETURN(result, r.Finish());
  for (NodeId n : absorbed) result.remap[n.index] = NodeId{};
  return result;
}

}  // namespace dagrad
