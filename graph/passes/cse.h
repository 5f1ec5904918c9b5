// graph/passes/cse.h: common-subexpression elimination.
//
// Two op nodes (or two VJP nodes) are the same computation when they have
// the same op, equal attrs (OpAttrsEqual(), from the op's attrs struct), the
// same inputs in the same order and, for VJPs, the same forward node and
// input index. CSE keeps the first of each set and maps the others to it.
// Exact: the kept node computes bitwise the same value. Never merged: random
// ops (dropout draws from a per-node seed), ops that update inputs in place
// (batch norm's running statistics), ops whose attrs have no equality,
// inputs, parameters and constants.
//
// Example: y = a * b; z = a * b; loss(y + z)  ->  y = a * b; loss(y + y).
#ifndef DAGRAD_GRAPH_PASSES_CSE_H_
#define DAGRAD_GRAPH_PASSES_CSE_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"
#include "graph/passes/pass.h"

namespace dagrad {

inline constexpr char kCsePass[] = "cse";

// EliminateCommonSubexpressions() is the CSE pass (a PassFn).
absl::StatusOr<PassResult> EliminateCommonSubexpressions(
    const Graph& graph, absl::Span<const NodeId> roots);

// IsPureOp() is true for an op whose output depends only on its inputs and
// attrs: not random, no mutable inputs, attrs with an equality.
bool IsPureOp(const OpDef& def);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PASSES_CSE_H_
