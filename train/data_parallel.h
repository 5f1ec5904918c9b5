// train/data_parallel.h: the pieces of data-parallel training that do not
// depend on the model: how a global batch and a data set split over ranks,
// how rank 0's state reaches every rank, how statistics are summed, and the
// fingerprint that shows two ranks run the same graph.
//
// Data parallelism in dagrad: every rank holds the whole model and the
// whole data set, draws the same seeded shuffle, and takes its shard of
// each global batch (ShardOf()). Gradients are averaged with
// train/gradient_sync.h; statistics (losses, counts) are summed in rank
// order in double precision (SumOverRanks()), so every rank reports the
// same numbers.
//
// Example:
//   RETURN_IF_ERROR(CheckGlobalBatch(options.batch_size, comm->size()));
//   RETURN_IF_ERROR(CheckSameOnEveryRank(comm, "model and options",
//                                        GraphFingerprint(graph) + flags));
//   const Shard mine = ShardOf(batch.size(), comm->rank(), comm->size());
//   ASSIGN_OR_RETURN(std::vector<double> sums,
//                    SumOverRanks(comm, {loss_sum, correct, examples}));
#ifndef DAGRAD_TRAIN_DATA_PARALLEL_H_
#define DAGRAD_TRAIN_DATA_PARALLEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "dist/communicator.h"
#include "graph/graph.h"
#include "io/checkpoint.h"

namespace dagrad {

// Shard is a contiguous range [begin, begin + count) of items.
struct Shard {
  int64_t begin = 0;
  int64_t count = 0;
};

// ShardOf() is rank `rank`'s share of `total` items over `ranks`: as even
// as it can be, the first total % ranks ranks taking one more, in rank
// order (rank 0 first). Requires 0 <= rank < ranks and total >= 0.
Shard ShardOf(int64_t total, int rank, int ranks);

// CheckGlobalBatch() accepts a global batch_size that splits evenly over
// `ranks`; else InvalidArgument: "batch_size 30 is the global batch and
// must divide evenly over 4 ranks (28 or 32 would)".
absl::Status CheckGlobalBatch(int64_t batch_size, int ranks);

// SumOverRanks() returns, on every rank, the element-wise sum over ranks of
// `mine` (every rank passes the same length), added in rank order in
// double precision: exact for counts, and the same bits on every rank.
absl::StatusOr<std::vector<double>> SumOverRanks(Communicator* comm,
                                                 absl::Span<const double> mine);

// BroadcastCheckpoint() replaces *ckpt on every rank with rank `root`'s
// (the parameters, optimizer state and counters a model checkpoint holds),
// so that every replica starts from the same state.
absl::Status BroadcastCheckpoint(Communicator* comm, Checkpoint* ckpt,
                                 int root = 0);

// GraphFingerprint() describes `graph` one node a line: index, kind, op,
// name, inputs and shape. Two ranks that built the same model with the same
// options get the same text; CheckSameOnEveryRank() (dist/consistency.h)
// compares it and names the first line that differs.
std::string GraphFingerprint(const Graph& graph);

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_DATA_PARALLEL_H_
