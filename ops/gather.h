// ops/gather.h: Gather, y[p, ...] = table[index[p], ...], rows of a table
// picked by index (an embedding lookup).
//
// Inputs: table [V, ...] (rank >= 1), index [any] holding whole numbers in
// [0, V) as floats, like class labels (non-differentiable). Output: index's
// shape followed by table's trailing dims: index [N, T], table [V, D] ->
// y [N, T, D].
// VJP (table only): a scatter-add, dL/dtable[v] = sum over p with index[p]
// == v of dL/dy[p], each row summed in index order by one thread: bitwise
// the same at any thread count.
// Errors: InvalidArgument naming Gather and both shapes for a table of rank
// 0 or an unknown V; at forward time, InvalidArgument naming Gather, the
// position and the value of the first index that is not a whole number in
// [0, V).
//
// Example:
//   // token ids [64,16] into a vocabulary of 1000 32-float embeddings.
//   Gather(table [1000,32], ids [64,16]) -> y [64,16,32]
#ifndef DAGRAD_OPS_GATHER_H_
#define DAGRAD_OPS_GATHER_H_

#include "ops/op.h"

namespace dagrad {

// The input indices of Gather.
inline constexpr int kGatherTable = 0;
inline constexpr int kGatherIndex = 1;

struct GatherAttrs {
  static constexpr OpKind kKind = OpKind::kGather;
};

absl::StatusOr<Shape> GatherShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs);
absl::Status GatherForward(const ForwardContext& ctx);
void GatherVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_GATHER_H_
