// train/gradient_shards.h: a global batch's gradient as the tree sum of S
// shards, the same bits whether one process runs all S shards or N
// processes run S/N each.
//
// Why: a data-parallel rank computes the gradient of its part of the batch
// and the ranks' parts are summed; one process computes the whole batch in
// one pass. The two sum the examples in different orders, so they differ
// in the last bits, and a few hundred steps of training amplify that into
// different losses. Here both compute the same parts the same way:
//  - the global batch of G rows splits into S contiguous shards
//    (ShardOf(G, s, S): as even as can be, the first ones one row longer);
//  - each shard is one forward and reverse pass of its own, giving the
//    mean gradient g_s over its rows, weighted w_s = rows_s / G (rounded to
//    float once);
//  - the step's gradient is the tree sum (SumInTreeOrder(),
//    dist/communicator.h) of w_s g_s over s = 0 .. S-1; the loss likewise.
// N ranks take S/N consecutive shards each, sum them locally in the same
// tree, and AllreduceSum() finishes the tree over the ranks. When every
// rank's shards form one subtree of the S-leaf tree (ShardPlan::Of()
// checks it: always so for S/N = 1, and for N a power of two dividing S),
// the run is bitwise equal to one process with the same S.
//
// Random streams are keyed by the global row (Executor::set_example_offset),
// so a shard draws the dropout masks the whole batch would draw.
//
// S = 1 is one pass over the batch, as before shards existed. Batch-coupled
// ops (BatchNorm's batch statistics) see a shard, not the whole batch, as
// they see a rank's part in data parallelism.
//
// Example (one process, S = 2, a batch of 64): two passes of 32 rows;
// gradient = w_0 g_0 + w_1 g_1 with w = 0.5. Under `mpirun -np 2`, each rank
// runs one pass of 32 rows and the allreduce adds the same two terms.
#ifndef DAGRAD_TRAIN_GRADIENT_SHARDS_H_
#define DAGRAD_TRAIN_GRADIENT_SHARDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/tensor.h"
#include "train/data_parallel.h"

namespace dagrad {

// ShardPlan: how the S shards of every global batch fall on the ranks.
struct ShardPlan {
  int shards = 1;  // S over all ranks.
  int first = 0;   // This rank's shards are [first, first + count).
  int count = 1;
  // note: empty, or why S differs from the requested number (said once by
  // the caller).
  std::string note;

  // Of() plans `requested` shards (>= 1) over `ranks` (rank `rank`). S is
  // `requested` when the ranks can split it into subtrees; else `ranks`
  // (one shard per rank), and `note` says so, naming the single-process
  // run the job then equals. InvalidArgument for requested < 1.
  static absl::StatusOr<ShardPlan> Of(int requested, int ranks, int rank);

  // Rows() is shard s's rows of a global batch of `global_rows`.
  Shard Rows(int64_t global_rows, int s) const {
    return ShardOf(global_rows, s, shards);
  }
};

// ShardSum sums the weighted gradients of consecutive shards in the tree
// order of SumInTreeOrder(). The gradients of shard s come from a callback
// that runs it; the buffers live in the object and are allocated by the
// first Sum() of a size (later steps allocate nothing).
class ShardSum {
 public:
  // RunShard runs shard `shard`, appends its gradients to the empty
  // *gradients and returns the shard's weight. Every shard gives tensors of
  // the same shapes, in the same order. Sum() may overwrite those tensors;
  // the callback keeps them untouched until it is called again.
  using RunShard = absl::FunctionRef<absl::StatusOr<float>(
      int shard, std::vector<Tensor*>* gradients)>;

  // Sum() runs shards [first, first + count) in order through `run` and
  // leaves sum_s w_s g_s in sums() (views shaped as the shards' gradients).
  // A count below 2 needs no sum, and shards whose gradients differ in
  // number or size are an error: InvalidArgument, Internal.
  absl::Status Sum(int first, int count, RunShard run);
  // sums() are the views of the last Sum()'s result.
  absl::Span<Tensor> sums() { return absl::MakeSpan(sums_); }

 private:
  // SumInto() leaves the weighted sum of shards [lo, hi) in depth_[d].
  absl::Status SumInto(int lo, int hi, int d, RunShard run);
  // RunInto() runs shard s and scales its gradients by its weight; with
  // `add`, adds them to depth_[d], else copies them there. The first shard
  // of a Sum() sizes the buffers (Prepare()); the others must match it.
  absl::Status RunInto(int s, bool add, int d, RunShard run);
  // Prepare() sizes the buffers for count_ shards of leaf_'s shapes.
  void Prepare();

  std::vector<Shape> shapes_;
  std::vector<int64_t> offsets_;  // Each gradient's start in a buffer.
  int64_t total_ = 0;
  std::vector<std::vector<float>> depth_;  // One buffer per tree depth.
  std::vector<Tensor> sums_;               // Views of depth_[0].
  std::vector<Tensor*> leaf_;              // The running shard's gradients.
  int count_ = 0;                          // Shards of the Sum() under way,
  bool prepared_ = false;                  // and whether Prepare() ran.
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_GRADIENT_SHARDS_H_
