// graph/schedule.h: which nodes run, and in what order.
//
// PruneToFetches() is the dead-code-elimination pass: it returns exactly the
// nodes the fetches depend on (forward and reverse), in ascending node id,
// which is a deterministic topological order (inputs always precede their
// consumers). Nodes nothing fetched depends on are dropped.
#ifndef DAGRAD_GRAPH_SCHEDULE_H_
#define DAGRAD_GRAPH_SCHEDULE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace dagrad {

// Returns InvalidArgument if a fetch is not in the graph.
absl::StatusOr<std::vector<NodeId>> PruneToFetches(
    const Graph& graph, const std::vector<NodeId>& fetches);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_SCHEDULE_H_
