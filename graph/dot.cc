#include "graph/dot.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "graph/passes/rematerialize.h"

namespace dagrad {
namespace {

std::string Escape(const std::string& s) {
  return absl::StrReplaceAll(s, {{"\"", "\\\""}});
}

std::string TypeName(const Node& node) {
  switch (node.type) {
    case NodeType::kInput:
      return "Input";
    case NodeType::kParameter:
      return "Parameter";
    case NodeType::kConstant:
      return "Constant";
    case NodeType::kOp:
    case NodeType::kVjp:
      return OpLabel(*node.def, node.attrs);
  }
  return "?";
}

}  // namespace

std::string ToDot(const Graph& graph, const MemoryPlan* plan) {
  std::string out = "digraph dagrad {\n  rankdir=TB;\n";
  if (!graph.passes().empty()) {
    absl::StrAppend(&out, "  labelloc=t;\n  label=\"graph passes (rewrites): ",
                    Escape(graph.passes()), "\";\n");
  }
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(NodeId{i});
    std::string label = absl::StrCat(
        Escape(node.name), "\\n", TypeName(node),
        node.type == NodeType::kVjp ? absl::StrCat(" VJP d", node.wrt) : "");
    const bool recomputed =
        node.rewritten_by != nullptr &&
        absl::string_view(node.rewritten_by) == kRematerializePass &&
        !node.is_reverse();
    if (recomputed) {
      absl::StrAppend(&label, "\\n(recomputed)");
    } else if (node.rewritten_by != nullptr) {
      absl::StrAppend(&label, "\\n(", node.rewritten_by, ")");
    }
    if (plan != nullptr && i < static_cast<int>(plan->node_bytes.size()) &&
        plan->node_bytes[i] > 0) {
      absl::StrAppend(&label, "\\n", plan->node_bytes[i], " B");
    }
    std::string style;
    switch (node.type) {
      case NodeType::kInput:
      case NodeType::kParameter:
      case NodeType::kConstant:
        style = "shape=ellipse";
        break;
      case NodeType::kOp:
      case NodeType::kVjp:
        style = recomputed          ? "shape=box,style=bold,color=blue"
                : node.is_reverse() ? "shape=box,style=dashed,color=red"
                                    : "shape=box,style=solid,color=black";
        break;
    }
    absl::StrAppend(&out, "  n", i, " [label=\"", label, "\",", style, "];\n");
  }
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(NodeId{i});
    for (NodeId in : node.inputs) {
      absl::StrAppend(&out, "  n", in.index, " -> n", i, " [label=\"",
                      graph.node(in).shape.DebugString(), "\"",
                      node.is_reverse() ? ",style=dashed" : "", "];\n");
    }
  }
  out += "}\n";
  return out;
}

}  // namespace dagrad
