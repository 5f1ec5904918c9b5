// core/tensor.h: a dense, contiguous, row-major float32 tensor.
//
// A Tensor either owns its buffer or is a view of memory owned elsewhere:
//  - Tensor::Zeros / Tensor::FromValues allocate an owned buffer, 64-byte
//    aligned (cache line, AVX-512 width) and padded to a multiple of 64 bytes.
//    The buffer lives as long as the Tensor (or what it is moved into).
//  - Tensor::View wraps memory the caller owns, e.g. a slot in a planned
//    arena (graph/memory_plan.h) or a caller's feed. The view never frees it;
//    the memory must outlive the view and every view made from it. Views
//    require no alignment, but arena slots are 64-byte aligned.
// Tensors are move-only; Clone() makes an owned deep copy. A moved-from
// Tensor is empty (rank 0, no data).
//
// Example:
//   Tensor w = Tensor::Zeros(Shape({784, 100}));
//   w.data()[0] = 1.0f;
//   Tensor v = Tensor::View(Shape({100, 784}), w.data());  // same memory
//   Tensor copy = w.Clone();                               // owned copy
#ifndef DAGRAD_CORE_TENSOR_H_
#define DAGRAD_CORE_TENSOR_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"

namespace dagrad {

// kTensorAlignment is the byte alignment of owned buffers and arena slots.
inline constexpr int64_t kTensorAlignment = 64;

// RoundUpToAlignment() rounds a byte count up to kTensorAlignment.
inline int64_t RoundUpToAlignment(int64_t bytes) {
  return (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
}

// AlignedFloats is an owned, 64-byte aligned float buffer.
struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedFree>;

// AllocateAligned() returns an uninitialized aligned buffer of `count` floats
// (at least one cache line). Requires that the allocation succeeds: for
// sizes a user chose, use TryAllocateAligned().
AlignedFloats AllocateAligned(int64_t count);

// kMaxTensorBytes bounds one buffer (1 TiB): a larger request is a user's
// mistake (Dense(1 << 40)), refused before the allocator is asked.
inline constexpr int64_t kMaxTensorBytes = int64_t{1} << 40;

// TryAllocateAligned() is AllocateAligned() for a size a user chose:
// ResourceExhausted naming `what` and the bytes when count is negative,
// above kMaxTensorBytes, or refused by the allocator.
absl::StatusOr<AlignedFloats> TryAllocateAligned(int64_t count,
                                                 const std::string& what);

// CheckedNumElements() is shape.num_elements() for a fully defined shape,
// or ResourceExhausted naming `what` when the product overflows or exceeds
// kMaxTensorBytes of floats.
absl::StatusOr<int64_t> CheckedNumElements(const Shape& shape,
                                           const std::string& what);

class Tensor {
 public:
  // Tensor() is empty: scalar shape, no data. Only assign to it.
  Tensor() = default;
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  // Zeros() returns an owned tensor of `shape`, filled with 0. Requires a
  // fully defined shape.
  static Tensor Zeros(const Shape& shape);
  // TryZeros() is Zeros() for a shape a user chose: ResourceExhausted naming
  // `what`, the shape and the bytes when it cannot be allocated.
  static absl::StatusOr<Tensor> TryZeros(const Shape& shape,
                                         const std::string& what);
  // FromValues() returns an owned tensor holding a copy of `values`, which
  // must have shape.num_elements() entries.
  static Tensor FromValues(const Shape& shape, absl::Span<const float> values);
  // View() wraps `data` without owning it; see the file comment.
  static Tensor View(const Shape& shape, float* data);

  // Clone() returns an owned deep copy (of a view too).
  Tensor Clone() const;
  // ViewAs() returns a view of this tensor's memory with another shape of the
  // same element count (a reshape without copying).
  Tensor ViewAs(const Shape& shape) const;

  const Shape& shape() const { return shape_; }
  int64_t size() const { return size_; }
  // owns_data() is true for Zeros/FromValues/Clone tensors.
  bool owns_data() const { return owned_ != nullptr; }

  float* data() { return data_; }
  const float* data() const { return data_; }
  absl::Span<float> flat() { return absl::Span<float>(data_, size_); }
  absl::Span<const float> flat() const {
    return absl::Span<const float>(data_, size_);
  }
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }

  // Fill() sets every element to `value`.
  void Fill(float value);
  // CopyFrom() copies `src`'s elements into this tensor. Requires equal sizes.
  void CopyFrom(const Tensor& src);

  // DebugString() prints the shape and up to `max_values` leading values.
  std::string DebugString(int max_values = 8) const;

 private:
  Tensor(const Shape& shape, float* data, AlignedFloats owned);

  Shape shape_;
  int64_t size_ = 0;
  float* data_ = nullptr;
  AlignedFloats owned_;
};

}  // namespace dagrad

#endif  // DAGRAD_CORE_TENSOR_H_
