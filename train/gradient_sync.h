// train/gradient_sync.h: averages a model's gradients over the ranks of a
// data-parallel job, in buckets whose sums start while the reverse pass is
// still producing the rest (as PyTorch DDP does).
//
// The gradients are grouped into buckets of about `bucket_bytes`, in the
// order given: the order the reverse pass produces them, the last layer's
// first. A step is:
//   Begin(weight, gradients)  the step's gradient tensors, and this rank's
//                             weight: its share of the global batch
//                             (local examples / global examples), so that
//                             the weighted sum is the global mean gradient;
//   Ready(i)                  gradient i is final. When every gradient of
//                             the next buckets is ready, they are packed
//                             (times `weight`) and their nonblocking sums
//                             start; the sums under way are moved on
//                             (PendingSum::Progress());
//   Finish()                  starts the rest, waits for every bucket and
//                             writes each sum back into its gradient.
// Buckets start in bucket order on every rank, whatever the order of the
// Ready() calls, because MPI needs every rank to start its collectives in
// the same order.
//
// Determinism: every element is the rank-order sum of the ranks' weighted
// values (dist/communicator.h), whatever the bucket size or the order of
// Ready(), so a run is bitwise repeatable and bucketing changes no bit.
//
// Memory: the bucket buffers are allocated once, by Create(); a step
// allocates only the communicator's handles.
//
// Example:
//   ASSIGN_OR_RETURN(GradientSync sync,
//                    GradientSync::Create(comm, sizes, 1 << 20));
//   RETURN_IF_ERROR(sync.Begin(local / global, gradient_tensors));
//   ... reverse pass, calling sync.Ready(i) as gradient i is done ...
//   RETURN_IF_ERROR(sync.Finish());   // gradients hold the global mean
//   optimizer.Step(...);
#ifndef DAGRAD_TRAIN_GRADIENT_SYNC_H_
#define DAGRAD_TRAIN_GRADIENT_SYNC_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/tensor.h"
#include "dist/communicator.h"

namespace dagrad {

class GradientSync {
 public:
  // Create() plans buckets for gradients of `sizes` elements (in the order
  // they become ready). A bucket holds consecutive gradients and closes
  // once it reaches bucket_bytes (>= 1; a gradient larger than that is a
  // bucket alone). `comm` is not owned and must outlive the object.
  // InvalidArgument for a bucket_bytes < 1 or a negative size.
  static absl::StatusOr<GradientSync> Create(Communicator* comm,
                                             std::vector<int64_t> sizes,
                                             int64_t bucket_bytes);

  GradientSync(GradientSync&&) = default;
  GradientSync& operator=(GradientSync&&) = default;

  // Begin() starts a step over `gradients` (one per size, in that order;
  // not owned, alive until Finish()). `weight` scales this rank's values.
  // InvalidArgument if a count or size differs from Create()'s;
  // FailedPrecondition if the previous step was not finished.
  absl::Status Begin(float weight, absl::Span<Tensor* const> gradients);
  // Ready() marks gradient i final and starts every bucket that can start.
  absl::Status Ready(int i);
  // Finish() waits for every sum and writes the results into the
  // gradients. On a communicator error the gradients are undefined.
  absl::Status Finish();

  int num_buckets() const { return static_cast<int>(buckets_.size()); }
  // finish_seconds() is the time spent in Finish() over `steps()` steps:
  // the communication the reverse pass did not hide (plus the copies).
  double finish_seconds() const { return finish_seconds_; }
  int64_t steps() const { return steps_; }
  // bucket_of(i) is the bucket gradient i belongs to.
  int bucket_of(int i) const { return bucket_of_[i]; }

 private:
  struct Bucket {
    int first = 0;  // Gradients [first, end).
    int end = 0;
    int pending = 0;  // Gradients not yet ready in this step.
    std::vector<float> buffer;
    std::unique_ptr<PendingSum> sum;
  };

  GradientSync() = default;
  absl::Status StartBucket(Bucket* bucket);
  // StartReadyBuckets() starts buckets in order while the next is complete.
  absl::Status StartReadyBuckets();

  Communicator* comm_ = nullptr;
  std::vector<int64_t> sizes_;
  std::vector<int> bucket_of_;
  std::vector<Bucket> buckets_;
  std::vector<Tensor*> gradients_;
  std::vector<bool> ready_;
  float weight_ = 1;
  int next_to_start_ = 0;
  bool in_step_ = false;
  double finish_seconds_ = 0;
  int64_t steps_ = 0;
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_GRADIENT_SYNC_H_
