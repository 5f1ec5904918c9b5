// graph/passes/pipeline.h: the graph passes dagrad runs between building a
// graph (with its reverse pass) and planning its execution, in one list.
//
// kPasses, in order:
//   cse                  graph/passes/cse.h
//   constant_folding     graph/passes/constant_folding.h
//   relu_pool_reorder    graph/passes/relu_pool_reorder.h
//   activation_fusion    graph/passes/activation_fusion.h
// Each is exact (outputs and gradients bitwise equal with it on or off; the
// tests in tests/graph/passes/ check every model of the zoo) and can be
// switched off in PassOptions. RunPasses() composes their id maps, so a
// caller that keeps node ids (the trainer's output, loss and gradients)
// maps them once with PipelineResult::Map().
//
// Example:
//   ASSIGN_OR_RETURN(PipelineResult opt,
//                    RunPasses(graph, {x, labels, loss, grad_w}, {}));
//   ASSIGN_OR_RETURN(NodeId loss2, opt.Map(loss));
//   ExecutorOptions o;
//   o.fetches = {loss2};
//   auto exec = Executor::Create(opt.graph, o);
#ifndef DAGRAD_GRAPH_PASSES_PIPELINE_H_
#define DAGRAD_GRAPH_PASSES_PIPELINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"
#include "graph/passes/pass.h"

namespace dagrad {

// PassOptions switches each pass of kPasses on or off.
struct PassOptions {
  bool cse = true;
  bool constant_folding = true;
  bool relu_pool_reorder = true;
  bool activation_fusion = true;
  // in_place is a planner option, not a rewrite: executors made for the
  // graph (train/sequential.h) let in-place elementwise ops reuse an
  // input's buffer (ExecutorOptions::in_place; bitwise the same results).
  bool in_place = true;

  // None() switches every pass off (the graph as built).
  static PassOptions None() {
    return PassOptions{false, false, false, false, false};
  }
};

// PassInfo is one entry of the pipeline.
struct PassInfo {
  const char* name;
  PassFn run;
  bool PassOptions::*enabled;
};

// Passes() is the pipeline, in the order it runs.
absl::Span<const PassInfo> Passes();

// PassLog: what one pass of a pipeline run did.
struct PassLog {
  std::string name;
  bool ran = false;  // False when switched off.
  int rewrites = 0;
};

struct PipelineResult {
  Graph graph;
  std::vector<NodeId> remap;  // Old id -> new id, or invalid.
  std::vector<PassLog> log;   // One per entry of Passes().

  // Map() is the new id of old node `old`; Internal if it has none.
  absl::StatusOr<NodeId> Map(NodeId old) const;
  // Summary() is e.g. "cse: 0, constant_folding: 0, relu_pool_reorder: 2,
  // activation_fusion: 4 (off: ...)": rewrites per pass.
  std::string Summary() const;
};

// RunPasses() runs the enabled passes on `graph` (finalized) and returns the
// rewritten graph, whose Graph::passes() is Summary(). Every root keeps a
// counterpart (Internal otherwise).
absl::StatusOr<PipelineResult> RunPasses(const Graph& graph,
                                         absl::Span<const NodeId> roots,
                                         const PassOptions& options);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PASSES_PIPELINE_H_
