// dist/mpi_communicator.h: the Communicator over Open MPI.
//
// MpiCommunicator::Create() initializes MPI once per process (thread level
// FUNNELED: only the thread that drives the model calls MPI; the kernels'
// worker threads never do), sets MPI_ERRORS_RETURN, so that a failing call
// returns a Status naming the rank and the call instead of aborting, and
// works on a duplicate of MPI_COMM_WORLD. MPI_Finalize runs at exit.
//
// AllreduceSum() is a reduce-scatter and an allgather that keep the tree
// order of the sum (dist/communicator.h): each rank receives its chunk of
// the buffer from every rank (MPI_Alltoallv), adds the N copies in tree
// order (SumInTreeOrder), and the chunks are gathered back to every rank
// (MPI_Allgatherv). That moves 2 (N-1)/N of the buffer per rank, as a ring
// allreduce does, and unlike MPI_Allreduce its sum order is fixed whatever
// algorithm Open MPI would pick for the size. StartAllreduceSum() runs the
// same two steps as MPI_Ialltoallv / MPI_Iallgatherv.
//
// Example: see dist/communicator.h; launched as
//   mpirun --allow-run-as-root --oversubscribe -np 2 bazel-bin/examples/...
#ifndef DAGRAD_DIST_MPI_COMMUNICATOR_H_
#define DAGRAD_DIST_MPI_COMMUNICATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "dist/communicator.h"

namespace dagrad {

class MpiCommunicator : public Communicator {
 public:
  // Create() initializes MPI if needed; Unavailable when MPI cannot start.
  static absl::StatusOr<std::unique_ptr<Communicator>> Create();
  ~MpiCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "mpi"; }
  absl::Status AllreduceSum(absl::Span<float> data) override;
  absl::StatusOr<std::unique_ptr<PendingSum>> StartAllreduceSum(
      absl::Span<float> data) override;
  absl::Status Broadcast(absl::Span<float> data, int root) override;
  absl::Status BroadcastBytes(std::string* bytes, int root) override;
  absl::StatusOr<std::vector<std::string>> AllgatherBytes(
      const std::string& mine) override;
  absl::Status Barrier() override;

 private:
  struct Handle;  // MPI_Comm, kept out of this header.
  MpiCommunicator(std::unique_ptr<Handle> handle, int rank, int size);

  absl::Status CheckRoot(int root) const;

  std::unique_ptr<Handle> handle_;
  int rank_;
  int size_;
};

}  // namespace dagrad

#endif  // DAGRAD_DIST_MPI_COMMUNICATOR_H_
