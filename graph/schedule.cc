#include "graph/schedule.h"

#include "absl/strings/str_cat.h"

namespace dagrad {

absl::StatusOr<std::vector<NodeId>> PruneToFetches(
    const Graph& graph, const std::vector<NodeId>& fetches) {
  std::vector<bool> needed(graph.num_nodes(), false);
  for (NodeId f : fetches) {
    if (!graph.Contains(f)) {
      return absl::InvalidArgumentError(
          absl::StrCat("fetch node id ", f.index, " is not in the graph"));
    }
    needed[f.index] = true;
  }
  for (int i = graph.num_nodes() - 1; i >= 0; --i) {
    if (!needed[i]) continue;
    for (NodeId d : DependenciesOf(graph.node(NodeId{i}))) {
      needed[d.index] = true;
    }
  }
  std::vector<NodeId> order;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    if (needed[i]) order.push_back(NodeId{i});
  }
  return order;
}

}  // namespace dagrad
