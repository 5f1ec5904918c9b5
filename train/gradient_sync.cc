#include "train/gradient_sync.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace dagrad {

absl::StatusOr<GradientSync> GradientSync::Create(Communicator* comm,
                                                  std::vector<int64_t> sizes,
                                                  int64_t bucket_bytes) {
  if (bucket_bytes < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GradientSync: bucket_bytes must be >= 1, got ", bucket_bytes));
  }
  GradientSync sync;
  sync.comm_ = comm;
  const int64_t bucket_floats =
      std::max<int64_t>(1, bucket_bytes / static_cast<int64_t>(sizeof(float)));
  int64_t filled = 0;
  for (int i = 0; i < static_cast<int>(sizes.size()); ++i) {
    if (sizes[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "GradientSync: gradient ", i, " has negative size ", sizes[i]));
    }
    if (sync.buckets_.empty() || filled >= bucket_floats) {
      sync.buckets_.emplace_back();
      sync.buckets_.back().first = i;
      filled = 0;
    }
    Bucket& bucket = sync.buckets_.back();
    bucket.end = i + 1;
    filled += sizes[i];
    sync.bucket_of_.push_back(static_cast<int>(sync.buckets_.size()) - 1);
  }
  for (Bucket& bucket : sync.buckets_) {
    int64_t floats = 0;
    for (int i = bucket.first; i < bucket.end; ++i) floats += sizes[i];
    bucket.buffer.resize(floats);
  }
  sync.sizes_ = std::move(sizes);
  sync.ready_.assign(sync.sizes_.size(), false);
  return sync;
}

absl::Status GradientSync::Begin(float weight,
                                 absl::Span<Tensor* const> gradients) {
  if (in_step_) {
    return absl::FailedPreconditionError(
        "GradientSync::Begin: the previous step was not finished");
  }
  if (gradients.size() != sizes_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("GradientSync::Begin: ", gradients.size(),
                     " gradients, planned for ", sizes_.size()));
  }
  for (size_t i = 0; i < gradients.size(); ++i) {
    if (gradients[i]->size() != sizes_[i]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "GradientSync::Begin: gradient ", i, " ",
          gradients[i]->shape().DebugString(), " has ", gradients[i]->size(),
          " elements, planned for ", sizes_[i]));
    }
  }
  gradients_.assign(gradients.begin(), gradients.end());
  std::fill(ready_.begin(), ready_.end(), false);
  for (Bucket& bucket : buckets_) bucket.pending = bucket.end - bucket.first;
  weight_ = weight;
  next_to_start_ = 0;
  in_step_ = true;
  return absl::OkStatus();
}

absl::Status GradientSync::StartBucket(Bucket* bucket) {
  // The previous bucket's second half starts first, at the same point of
  // the sequence of collectives on every rank.
  if (bucket != &buckets_[0]) RETURN_IF_ERROR((bucket - 1)->sum->Advance());
  float* out = bucket->buffer.data();
  for (int i = bucket->first; i < bucket->end; ++i) {
    const float* g = gradients_[i]->data();
    for (int64_t j = 0; j < sizes_[i]; ++j) out[j] = g[j] * weight_;
    out += sizes_[i];
  }
  ASSIGN_OR_RETURN(bucket->sum,
                   comm_->StartAllreduceSum(absl::MakeSpan(bucket->buffer)));
  return absl::OkStatus();
}

absl::Status GradientSync::StartReadyBuckets() {
  while (next_to_start_ < num_buckets() &&
         buckets_[next_to_start_].pending == 0) {
    RETURN_IF_ERROR(StartBucket(&buckets_[next_to_start_]));
    ++next_to_start_;
  }
  return absl::OkStatus();
}

absl::Status GradientSync::Ready(int i) {
  if (!in_step_ || i < 0 || i >= static_cast<int>(sizes_.size()) || ready_[i]) {
    return absl::FailedPreconditionError(absl::StrCat(
        "GradientSync::Ready(", i, "): ",
        !in_step_ ? "no step begun" : "not a pending gradient of this step"));
  }
  ready_[i] = true;
  --buckets_[bucket_of_[i]].pending;
  RETURN_IF_ERROR(StartReadyBuckets());
  // The sums under way advance only inside MPI calls.
  for (int b = 0; b < next_to_start_; ++b) {
    if (buckets_[b].sum != nullptr) RETURN_IF_ERROR(buckets_[b].sum->Progress());
  }
  return absl::OkStatus();
}

absl::Status GradientSync::Finish() {
  if (!in_step_) {
    return absl::FailedPreconditionError("GradientSync::Finish: no step begun");
  }
  in_step_ = false;
  const auto start = std::chrono::steady_clock::now();
  while (next_to_start_ < num_buckets()) {
    RETURN_IF_ERROR(StartBucket(&buckets_[next_to_start_]));
    ++next_to_start_;
  }
  for (Bucket& bucket : buckets_) {
    RETURN_IF_ERROR(bucket.sum->Wait());
    bucket.sum.reset();
    const float* in = bucket.buffer.data();
    for (int i = bucket.first; i < bucket.end; ++i) {
      std::copy(in, in + sizes_[i], gradients_[i]->data());
      in += sizes_[i];
    }
  }
  finish_seconds_ += std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  ++steps_;
  return absl::OkStatus();
}

}  // namespace dagrad
