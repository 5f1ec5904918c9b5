// dist/communicator.h: collective communication between the processes of a
// data-parallel job.
//
// A Communicator connects `size()` processes (ranks 0 .. size()-1) that run
// the same program. dagrad uses it to keep replicas of one model in step:
// broadcast the parameters from rank 0, sum the gradients, gather
// fingerprints. Two implementations:
//  - LocalCommunicator: one process (size 1); every collective is the
//    identity. The default, and what a plain run uses.
//  - MpiCommunicator (dist/mpi_communicator.h): Open MPI, for a job started
//    by `mpirun -np N`.
// CreateCommunicator() picks one by the environment, so the same binary runs
// alone or under mpirun.
//
// Determinism: AllreduceSum() adds the ranks' values in one fixed tree over
// the rank order, SumInTreeOrder()'s: (x_0 + x_1) for 2 ranks,
// ((x_0 + x_1) + (x_2 + x_3)) for 4, for every element, whatever the
// transport and the message size. So every rank gets bitwise the same sum,
// a run with the same number of processes is bitwise repeatable, and the
// sum of N ranks' partial sums equals a one-process tree sum of their parts
// (train/gradient_shards.h builds on that).
//
// Errors: a failed collective returns a Status naming the rank and the call
// (Unavailable for a transport failure, InvalidArgument for a bad
// argument). After a transport failure the communicator is unusable.
//
// Thread safety: one thread drives a communicator; collectives are called
// in the same order on every rank (as MPI requires).
//
// Example:
//   ASSIGN_OR_RETURN(std::unique_ptr<Communicator> comm, CreateCommunicator());
//   RETURN_IF_ERROR(comm->Broadcast(absl::MakeSpan(params), /*root=*/0));
//   ASSIGN_OR_RETURN(std::unique_ptr<PendingSum> sum,
//                    comm->StartAllreduceSum(absl::MakeSpan(grads)));
//   ...  // Other work while the sum is under way.
//   RETURN_IF_ERROR(sum->Wait());  // grads now hold the sum over ranks.
#ifndef DAGRAD_DIST_COMMUNICATOR_H_
#define DAGRAD_DIST_COMMUNICATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace dagrad {

// PendingSum is an AllreduceSum() under way. Its buffer must stay alive and
// untouched until Wait() returns. Destroying a PendingSum that was not
// waited for waits for it (and drops its status).
class PendingSum {
 public:
  virtual ~PendingSum() = default;
  // Wait() blocks until the sum is in the buffer, or returns the error.
  virtual absl::Status Wait() = 0;
  // Progress() moves the sum on without blocking: an MPI transport without
  // a progress thread advances only inside MPI calls, so a caller that
  // overlaps the sum with computation calls this between pieces of it.
  virtual absl::Status Progress() { return absl::OkStatus(); }
  // Advance() waits for the sum's first half (each rank adding its chunk)
  // and starts the second (gathering the chunks); Wait() does it if the
  // caller did not. It starts a collective, and collectives must start in
  // the same order on every rank, so every rank calls it at the same point
  // (GradientSync: when the next bucket starts).
  virtual absl::Status Advance() { return absl::OkStatus(); }
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // name() says what carries the messages ("local", "mpi").
  virtual std::string name() const = 0;

  // AllreduceSum() replaces `data` on every rank with the sum over ranks of
  // every rank's `data`, added in tree order (see the file comment). Every
  // rank passes the same length.
  virtual absl::Status AllreduceSum(absl::Span<float> data) = 0;
  // StartAllreduceSum() begins the same sum and returns at once; the result
  // is bitwise AllreduceSum()'s.
  virtual absl::StatusOr<std::unique_ptr<PendingSum>> StartAllreduceSum(
      absl::Span<float> data) = 0;
  // Broadcast() copies rank `root`'s `data` into every rank's `data`.
  virtual absl::Status Broadcast(absl::Span<float> data, int root) = 0;
  // BroadcastBytes() is Broadcast() for a byte string whose length only the
  // root needs to know.
  virtual absl::Status BroadcastBytes(std::string* bytes, int root) = 0;
  // AllgatherBytes() returns every rank's `mine`, indexed by rank.
  virtual absl::StatusOr<std::vector<std::string>> AllgatherBytes(
      const std::string& mine) = 0;
  // Barrier() returns when every rank has called it.
  virtual absl::Status Barrier() = 0;
};

// LocalCommunicator is the one-process communicator: rank 0 of 1.
class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "local"; }
  absl::Status AllreduceSum(absl::Span<float> data) override;
  absl::StatusOr<std::unique_ptr<PendingSum>> StartAllreduceSum(
      absl::Span<float> data) override;
  absl::Status Broadcast(absl::Span<float> data, int root) override;
  absl::Status BroadcastBytes(std::string* bytes, int root) override;
  absl::StatusOr<std::vector<std::string>> AllgatherBytes(
      const std::string& mine) override;
  absl::Status Barrier() override;
};

// LaunchedByMpirun() is true when the process environment shows an MPI
// launcher (Open MPI's OMPI_COMM_WORLD_SIZE, or PMIx's PMIX_RANK).
bool LaunchedByMpirun();

// CreateCommunicator() returns an MpiCommunicator when LaunchedByMpirun(),
// else a LocalCommunicator; a plain run needs neither mpirun nor an MPI
// daemon.
absl::StatusOr<std::unique_ptr<Communicator>> CreateCommunicator();

// TreeSplit() is where the summation tree splits the items [lo, hi)
// (hi - lo >= 2): the left part takes the larger half,
// lo + ceil((hi - lo) / 2).
inline int TreeSplit(int lo, int hi) { return lo + (hi - lo + 1) / 2; }

// SumInTreeOrder() sums blocks[0 .. n) element-wise (blocks[b] = blocks +
// b * stride, count elements each) into blocks[0]: the sum of [lo, hi) is
// sum[lo, m) + sum[m, hi), m = TreeSplit(lo, hi), so 4 blocks give
// (b0 + b1) + (b2 + b3) and 3 give (b0 + b1) + b2. The other blocks are
// overwritten. The one definition of the order AllreduceSum() promises.
void SumInTreeOrder(float* blocks, int n, int64_t stride, int64_t count);

}  // namespace dagrad

#endif  // DAGRAD_DIST_COMMUNICATOR_H_
