#include "dist/communicator.h"

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "dist/mpi_communicator.h"

namespace dagrad {
namespace {

absl::Status CheckRoot(int root) {
  if (root != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank 0 of 1 (local): broadcast root ", root, " is not a rank"));
  }
  return absl::OkStatus();
}

// DoneSum is a sum that finished when it started.
class DoneSum : public PendingSum {
 public:
  absl::Status Wait() override { return absl::OkStatus(); }
};

}  // namespace

absl::Status LocalCommunicator::AllreduceSum(absl::Span<float>) {
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PendingSum>>
LocalCommunicator::StartAllreduceSum(absl::Span<float>) {
  return std::unique_ptr<PendingSum>(new DoneSum());
}

absl::Status LocalCommunicator::Broadcast(absl::Span<float>, int root) {
  return CheckRoot(root);
}

absl::Status LocalCommunicator::BroadcastBytes(std::string*, int root) {
  return CheckRoot(root);
}

absl::StatusOr<std::vector<std::string>> LocalCommunicator::AllgatherBytes(
    const std::string& mine) {
  return std::vector<std::string>{mine};
}

absl::Status LocalCommunicator::Barrier() { return absl::OkStatus(); }

bool LaunchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

absl::StatusOr<std::unique_ptr<Communicator>> CreateCommunicator() {
  if (LaunchedByMpirun()) return MpiCommunicator::Create();
  return std::unique_ptr<Communicator>(new LocalCommunicator());
}

void SumInTreeOrder(float* blocks, int n, int64_t stride, int64_t count) {
  if (n < 2) return;
  const int m = TreeSplit(0, n);
  SumInTreeOrder(blocks, m, stride, count);
  float* right = blocks + m * stride;
  SumInTreeOrder(right, n - m, stride, count);
  for (int64_t i = 0; i < count; ++i) blocks[i] += right[i];
}

}  // namespace dagrad
