// graph/passes/pass.h: what a graph pass is, and the rewriter passes use.
//
// A pass is a pure function from a finalized Graph (and the roots: the
// nodes whose values callers keep, e.g. the trainer's output, loss and
// gradients, and the inputs they feed) to a new finalized Graph plus a map
// from old to new node ids. remap[old] is the node of the new graph that
// computes exactly old's value (bitwise, at any thread count), or an
// invalid id when old has no counterpart any more (an intermediate that a
// fusion absorbed). Roots always have a counterpart. A pass does one
// rewrite and reports how many times it applied it (0: the graph is an
// unchanged copy). The pipeline that runs them is graph/passes/pipeline.h.
//
// GraphRewriter is the copy-with-edits loop every pass is written as: walk
// the old nodes in id order (a topological order), Keep() those the pass
// leaves alone and emit replacements for the others with the builder.
//
// Example (a pass that keeps everything):
//   absl::StatusOr<PassResult> Copy(const Graph& g,
//                                   absl::Span<const NodeId> roots) {
//     GraphRewriter r(g, "copy");
//     for (int i = 0; i < g.num_nodes(); ++i) {
//       RETURN_IF_ERROR(r.Keep(NodeId{i}));
//     }
//     return r.Finish();
//   }
#ifndef DAGRAD_GRAPH_PASSES_PASS_H_
#define DAGRAD_GRAPH_PASSES_PASS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"

namespace dagrad {

struct PassResult {
  Graph graph;
  std::vector<NodeId> remap;  // Indexed by old node id.
  int rewrites = 0;           // How often the pass applied; 0: unchanged.
  bool changed() const { return rewrites > 0; }
};

// PassFn is a pass: see the file comment.
using PassFn = absl::StatusOr<PassResult> (*)(const Graph& graph,
                                              absl::Span<const NodeId> roots);

class GraphRewriter {
 public:
  // GraphRewriter() starts an empty graph; `old` must outlive it, `pass`
  // (a string literal) names the nodes it makes (Node::rewritten_by).
  GraphRewriter(const Graph& old, const char* pass);

  const Graph& old() const { return old_; }
  const char* pass() const { return pass_; }
  // builder() is the new graph under construction.
  GraphBuilder* builder() { return &builder_; }
  const GraphBuilder* builder() const { return &builder_; }

  // Map() is old's counterpart so far (invalid if none yet or dropped).
  NodeId Map(NodeId old) const { return map_[old.index]; }
  // Keep() copies old node `old` with its inputs mapped. Internal error if
  // an input has no counterpart.
  absl::Status Keep(NodeId old);
  // Emit() appends `node` (inputs already new ids) as a node of this pass
  // standing for old node `like` (its origin), and maps `like` to it.
  absl::StatusOr<NodeId> Emit(Node node, NodeId like);
  // EmitVjp() appends the VJP of new node `forward` for input `wrt` with
  // gradient `grad` (new ids), standing for old node `like`, mapped to it.
  absl::StatusOr<NodeId> EmitVjp(NodeId forward, int wrt, NodeId grad,
                                 NodeId like);
  // Replace() maps old node `old` to new node `now`, which computes the same
  // value, and counts a rewrite.
  void Replace(NodeId old, NodeId now);
  void CountRewrite() { ++rewrites_; }

  // Finish() finalizes the new graph.
  absl::StatusOr<PassResult> Finish();

 private:
  const Graph& old_;
  const char* pass_;
  GraphBuilder builder_;
  std::vector<NodeId> map_;
  int rewrites_ = 0;
};

// Consumers() lists, per node, the nodes that depend on it
// (DependenciesOf(): data inputs, and the forward of a VJP node), in id
// order, once each.
std::vector<std::vector<NodeId>> Consumers(const Graph& graph);

// Uses is what a pattern pass asks of the old graph: each node's consumers
// (Consumers()) and whether it is a root.
struct Uses {
  std::vector<std::vector<NodeId>> users;
  std::vector<bool> root;
};
Uses FindUses(const Graph& graph, absl::Span<const NodeId> roots);

// Matches records which pattern match each old node belongs to (one at
// most), for passes that find matches first and rewrite them in one walk.
class Matches {
 public:
  explicit Matches(int num_nodes) : of_(num_nodes, -1) {}
  // Add() gives the valid ids of `members` to a new match and returns its
  // index, or -1 (changing nothing) if one of them has a match already.
  int Add(const std::vector<NodeId>& members);
  // Of() is the index of the match `id` belongs to, or -1.
  int Of(NodeId id) const { return of_[id.index]; }

 private:
  std::vector<int> of_;
  int count_ = 0;
};
// VjpsOf() lists the VJP nodes whose forward is `forward`, per input index
// (consumers as from Consumers()).
std::vector<std::vector<NodeId>> VjpsOf(const Graph& graph,
                                        const std::vector<NodeId>& consumers,
                                        NodeId forward);
// IsOp() is true for a forward (not reverse) op node of kind `kind`.
bool IsOp(const Node& node, OpKind kind);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PASSES_PASS_H_
