#include "graph/passes/pipeline.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/passes/activation_fusion.h"
#include "graph/passes/constant_folding.h"
#include "graph/passes/cse.h"
#include "graph/passes/relu_pool_reorder.h"

namespace dagrad {
namespace {

// kPasses: the one list. The reorder runs before fusion so that the ReLU it
// moves behind a max pool fuses into the pool.
constexpr PassInfo kPasses[] = {
    {kCsePass, &EliminateCommonSubexpressions, &PassOptions::cse},
    {kConstantFoldingPass, &FoldConstants, &PassOptions::constant_folding},
    {kReluPoolReorderPass, &ReorderReluMaxPool,
     &PassOptions::relu_pool_reorder},
    {kActivationFusionPass, &FuseActivations, &PassOptions::activation_fusion},
};

}  // namespace

absl::Span<const PassInfo> Passes() { return kPasses; }

absl::StatusOr<NodeId> PipelineResult::Map(NodeId old) const {
  if (old.index < 0 || old.index >= static_cast<int>(remap.size()) ||
      !remap[old.index].valid()) {
    return absl::InternalError(absl::StrCat("graph passes: node id ", old.index,
                                            " has no counterpart"));
  }
  return remap[old.index];
}

std::string PipelineResult::Summary() const {
  std::vector<std::string> parts;
  for (const PassLog& l : log) {
    parts.push_back(l.ran ? absl::StrCat(l.name, ": ", l.rewrites)
                          : absl::StrCat(l.name, ": off"));
  }
  return absl::StrJoin(parts, ", ");
}

absl::StatusOr<PipelineResult> RunPasses(const Graph& graph,
                                         absl::Span<const NodeId> roots,
                                         const PassOptions& options) {
  PipelineResult out;
  out.graph = graph;
  out.remap.resize(graph.num_nodes());
  for (int i = 0; i < graph.num_nodes(); ++i) out.remap[i] = NodeId{i};
  std::vector<NodeId> now(roots.begin(), roots.end());
  for (const PassInfo& pass : kPasses) {
    PassLog log;
    log.name = pass.name;
    log.ran = options.*pass.enabled;
    if (log.ran) {
      ASSIGN_OR_RETURN(PassResult r, pass.run(out.graph, now));
      for (NodeId& id : out.remap) {
        if (id.valid()) id = r.remap[id.index];
      }
      for (NodeId& id : now) {
        id = r.remap[id.index];
        if (!id.valid()) {
          return absl::InternalError(
              absl::StrCat("graph pass ", pass.name, " removed a root node"));
        }
      }
      log.rewrites = r.rewrites;
      out.graph = std::move(r.graph);
    }
    out.log.push_back(std::move(log));
  }
  out.graph.set_passes(out.Summary());
  return out;
}

}  // namespace dagrad
