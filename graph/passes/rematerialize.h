// graph/passes/rematerialize.h: trade recomputation for memory under a
// budget (rematerialization, "gradient checkpointing").
//
// A training graph keeps every forward value its reverse pass reads alive
// from the forward to the VJP that reads it; that is what fills the arena.
// Rematerialize() picks forward nodes whose outputs are dropped after their
// forward readers and recomputed for the reverse pass instead: each chosen
// node is duplicated (a real node, made by kRematerializePass and drawn as
// recomputed by graph/dot.h) and every reverse reader of it, and every VJP
// of it, reads the duplicate. A duplicate is placed just before its first
// reverse reader (the schedule is node order, graph/schedule.h), and
// duplicates of chosen nodes read the duplicates of their chosen inputs, so
// a run of chosen nodes is one recomputed segment between kept values
// (checkpoints), as in segment-wise checkpointing.
//
// Choice: greedy by cost. While the planned arena exceeds the budget, add
// the node with the most arena bytes saved (measured with `planner`) per
// FLOP recomputed (NodeFlops()); when no single node saves bytes, the one
// with the most output bytes per FLOP (which may open a segment). Once the
// budget is met, chosen nodes it does not need are dropped again.
//
// Exactness: a duplicate runs the same kernel on bitwise the same inputs,
// so outputs and gradients are bitwise those without rematerialization at
// any thread count. Random ops (Dropout) are recomputed exactly: a
// duplicate keeps its node's origin, hence its seed, and runs in the same
// step, so it draws the same mask (its VJP reads the duplicate's aux). Ops
// with side effects (an input declared mutable: BatchNorm's running
// statistics) are never chosen, nor are fetched values.
//
// Example:
//   GraphPlanner planner = ...;  // the executor's planning (executor.cc)
//   ASSIGN_OR_RETURN(RematResult r,
//                    Rematerialize(graph, fetches, 4 << 20, planner));
//   // r.pass.graph fits in 4 MiB; r.report.extra_flops more per run.
#ifndef DAGRAD_GRAPH_PASSES_REMATERIALIZE_H_
#define DAGRAD_GRAPH_PASSES_REMATERIALIZE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "graph/graph.h"
#include "graph/passes/pass.h"

namespace dagrad {

inline constexpr char kRematerializePass[] = "rematerialize";

// GraphArena is what a planner says about one graph: the arena it plans
// and every node's shape at the batch size it plans for.
struct GraphArena {
  int64_t peak_bytes = 0;
  std::vector<Shape> shapes;  // Per node of the graph.
};
// GraphPlanner plans `graph` with these fetches (the executor's planning
// phases, without allocating).
using GraphPlanner = std::function<absl::StatusOr<GraphArena>(
    const Graph& graph, absl::Span<const NodeId> fetches)>;

// RematReport: what Rematerialize() did.
struct RematReport {
  int64_t budget_bytes = 0;
  int64_t unbudgeted_bytes = 0;  // The arena without rematerialization.
  int64_t planned_bytes = 0;     // The arena with it (<= budget_bytes).
  int64_t extra_flops = 0;       // NodeFlops() of the duplicates, per run.
  int recomputed = 0;            // Nodes duplicated.
  // Summary() is e.g. "rematerialize: 3 nodes, planned 2.10 MB of 4.20 MB
  // (budget 2.20 MB), +1.2 MFLOP per run".
  std::string Summary() const;
};

struct RematResult {
  PassResult pass;  // remap: every old node keeps its counterpart.
  RematReport report;
};

// Rematerialize() returns `graph` (finalized) rewritten to plan within
// `budget_bytes`; unchanged (rewrites 0) if it already does. The new
// graph's passes() is graph.passes() plus the report's Summary().
// ResourceExhausted when no choice meets the budget, stating the smallest
// arena found ("the smallest feasible budget"); planner errors pass
// through.
absl::StatusOr<RematResult> Rematerialize(const Graph& graph,
                                          absl::Span<const NodeId> fetches,
                                          int64_t budget_bytes,
                                          const GraphPlanner& planner);

// RecomputeCandidates() lists the nodes Rematerialize() may choose: forward
// op nodes a reverse node reads, neither fetched nor with a mutable input.
std::vector<NodeId> RecomputeCandidates(const Graph& graph,
                                        absl::Span<const NodeId> fetches);

// RecomputeNodes() is the rewrite for a chosen set: recompute[i] marks old
// node i (a forward op node, see the file comment) to duplicate.
absl::StatusOr<PassResult> RecomputeNodes(const Graph& graph,
                                          const std::vector<bool>& recompute);

// NodeFlops() estimates one run of op node `id` from the shapes (per node):
// 2 * output elements * K for nodes reading a weight parameter (MatMul's
// [K,N]; Conv2D's [C_out, C_in/groups, kh, kw], K = C_in/groups*kh*kw),
// else the elements read and written (memory-bound elementwise, pooling).
int64_t NodeFlops(const Graph& graph, NodeId id,
                  const std::vector<Shape>& shapes);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PASSES_REMATERIALIZE_H_
