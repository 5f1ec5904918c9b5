#include "train/data_parallel.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "ops/op.h"

namespace dagrad {

Shard ShardOf(int64_t total, int rank, int ranks) {
  const int64_t base = total / ranks;
  const int64_t extra = total % ranks;
  Shard s;
  s.begin = rank * base + std::min<int64_t>(rank, extra);
  s.count = base + (rank < extra ? 1 : 0);
  return s;
}

absl::Status CheckGlobalBatch(int64_t batch_size, int ranks) {
  if (batch_size % ranks == 0) return absl::OkStatus();
  const int64_t below = batch_size / ranks * ranks;
  const int64_t above = below + ranks;
  return absl::InvalidArgumentError(absl::StrCat(
      "batch_size ", batch_size,
      " is the global batch and must divide evenly "
      "over ",
      ranks, " ranks (", below > 0 ? absl::StrCat(below, " or ") : "", above,
      " would)"));
}

absl::StatusOr<std::vector<double>> SumOverRanks(
    Communicator* comm, absl::Span<const double> mine) {
  std::string bytes(mine.size() * sizeof(double), '\0');
  if (!mine.empty()) std::memcpy(bytes.data(), mine.data(), bytes.size());
  ASSIGN_OR_RETURN(std::vector<std::string> all, comm->AllgatherBytes(bytes));
  std::vector<double> sum(mine.size(), 0.0);
  for (int r = 0; r < static_cast<int>(all.size()); ++r) {
    if (all[r].size() != bytes.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rank ", comm->rank(), ": SumOverRanks: rank ", r, " sent ",
          all[r].size() / sizeof(double), " values, this rank ", mine.size()));
    }
    for (size_t i = 0; i < mine.size(); ++i) {
      double v;
      std::memcpy(&v, all[r].data() + i * sizeof(double), sizeof(double));
      sum[i] = r == 0 ? v : sum[i] + v;
    }
  }
  return sum;
}

absl::Status BroadcastCheckpoint(Communicator* comm, Checkpoint* ckpt,
                                 int root) {
  std::string bytes =
      comm->rank() == root ? SerializeCheckpoint(*ckpt) : std::string();
  RETURN_IF_ERROR(comm->BroadcastBytes(&bytes, root));
  if (comm->rank() == root) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      *ckpt, ParseCheckpoint(
                 bytes, absl::StrCat("rank ", root, "'s broadcast state")));
  return absl::OkStatus();
}

std::string GraphFingerprint(const Graph& graph) {
  static constexpr const char* kTypes[] = {"input", "parameter", "constant",
                                           "op", "vjp"};
  std::string text;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& n = graph.nodes()[i];
    std::vector<int> inputs;
    for (NodeId in : n.inputs) inputs.push_back(in.index);
    absl::StrAppend(&text, i, " ", kTypes[static_cast<int>(n.type)], " ",
                    n.def != nullptr ? OpLabel(*n.def, n.attrs) : "-", " ",
                    n.name, " (", absl::StrJoin(inputs, ","), ") ",
                    n.shape.DebugString(), "\n");
  }
  return text;
}

}  // namespace dagrad
