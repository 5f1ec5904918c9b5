// graph/passes/constant_folding.h: evaluate op nodes whose inputs are all
// constants once, at compile time, and replace them by constants.
//
// The folded value is what the executor would compute: the op's own
// forward kernel on the same inputs (ops/eager.h), which gives bitwise the
// same result at any thread count (the kernel contract), so folding is
// exact. Folded: forward op nodes of pure ops (graph/passes/cse.h
// IsPureOp()) that no VJP node refers to (a VJP reads its forward's aux).
// Constants that nothing reads any more are left for the scheduler to prune.
//
// Example: c = Scale(Constant([1, 2]), 2)  ->  c = Constant([2, 4]).
#ifndef DAGRAD_GRAPH_PASSES_CONSTANT_FOLDING_H_
#define DAGRAD_GRAPH_PASSES_CONSTANT_FOLDING_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"
#include "graph/passes/pass.h"

namespace dagrad {

inline constexpr char kConstantFoldingPass[] = "constant_folding";

// FoldConstants() is the constant-folding pass (a PassFn).
absl::StatusOr<PassResult> FoldConstants(const Graph& graph,
                                         absl::Span<const NodeId> roots);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PASSES_CONSTANT_FOLDING_H_
