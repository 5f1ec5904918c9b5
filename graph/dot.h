// graph/dot.h: Graphviz DOT rendering of a graph.
//
// Forward nodes are solid boxes (inputs/parameters/constants ellipses);
// reverse nodes (VJPs, fan-out sums) are dashed and red. A node's label is
// its name and its op (OpLabel(): "Conv2D+Relu" for a fused node), then the
// graph pass that made it, e.g. "(activation_fusion)", if any; a forward
// node rematerialization duplicated (graph/passes/rematerialize.h) is a
// bold blue box marked "(recomputed)". Each edge is
// labelled with its tensor's shape; with a plan, each node's label carries
// its planned buffer size in bytes. A graph made by the graph passes is
// captioned with Graph::passes().
#ifndef DAGRAD_GRAPH_DOT_H_
#define DAGRAD_GRAPH_DOT_H_

#include <string>

#include "graph/graph.h"
#include "graph/memory_plan.h"

namespace dagrad {

// ToDot() returns the DOT text. `plan` may be nullptr; its node_bytes are
// indexed by node id (as produced by Executor::plan()).
std::string ToDot(const Graph& graph, const MemoryPlan* plan = nullptr);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_DOT_H_
