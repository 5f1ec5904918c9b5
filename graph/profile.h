// graph/profile.h: a per-node time table from Executor::profile(), like
// TensorFlow's step stats: which nodes a training step spends its time in.
//
// Example:
//   executor->set_profile(true);
//   for (int i = 0; i < 100; ++i) RETURN_IF_ERROR(executor->Run());
//   std::printf("%s", FormatProfile(graph, executor->profile(), 15).c_str());
#ifndef DAGRAD_GRAPH_PROFILE_H_
#define DAGRAD_GRAPH_PROFILE_H_

#include <string>

#include "absl/types/span.h"
#include "graph/executor.h"
#include "graph/graph.h"

namespace dagrad {

// FormatProfile() returns a text table of the `max_rows` slowest nodes of
// `times` (ties in schedule order), one line each: microseconds per run,
// share of the total, the pass (forward, or the VJP with respect to input
// k), the op and the node name; then a line with the total per run and the
// count of nodes not shown. Nodes that never ran count as zero. `graph` is
// the graph whose executor produced `times`; a graph made by the graph
// passes first gets a line naming them (Graph::passes()).
std::string FormatProfile(const Graph& graph, absl::Span<const NodeTime> times,
                          int max_rows);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PROFILE_H_
