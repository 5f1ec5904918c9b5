#include "core/tensor.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace dagrad {

AlignedFloats AllocateAligned(int64_t count) {
  int64_t bytes = RoundUpToAlignment(
      std::max<int64_t>(count * static_cast<int64_t>(sizeof(float)), 1));
  void* p = std::aligned_alloc(kTensorAlignment, static_cast<size_t>(bytes));
  assert(p != nullptr);
  return AlignedFloats(static_cast<float*>(p));
}

absl::StatusOr<AlignedFloats> TryAllocateAligned(int64_t count,
                                                 const std::string& what) {
  constexpr int64_t kFloat = static_cast<int64_t>(sizeof(float));
  if (count < 0 || count > kMaxTensorBytes / kFloat) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": ", count, " floats are more than the ",
                     kMaxTensorBytes, " bytes one buffer may hold"));
  }
  const int64_t bytes =
      RoundUpToAlignment(std::max<int64_t>(count * kFloat, 1));
  void* p = std::aligned_alloc(kTensorAlignment, static_cast<size_t>(bytes));
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": cannot allocate ", bytes, " bytes"));
  }
  return AlignedFloats(static_cast<float*>(p));
}

absl::StatusOr<int64_t> CheckedNumElements(const Shape& shape,
                                           const std::string& what) {
  constexpr int64_t kMaxFloats =
      kMaxTensorBytes / static_cast<int64_t>(sizeof(float));
  int64_t count = 1;
  for (int64_t d : shape.dims()) {
    if (d < 0 || (d > 0 && count > kMaxFloats / d)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          what, ": shape ", shape.DebugString(), " is more than the ",
          kMaxTensorBytes, " bytes one buffer may hold"));
    }
    count *= d;
  }
  return count;
}

absl::StatusOr<Tensor> Tensor::TryZeros(const Shape& shape,
                                        const std::string& what) {
  absl::StatusOr<int64_t> count = CheckedNumElements(shape, what);
  if (!count.ok()) return count.status();
  absl::StatusOr<AlignedFloats> buffer =
      TryAllocateAligned(*count, absl::StrCat(what, " ", shape.DebugString()));
  if (!buffer.ok()) return buffer.status();
  float* data = buffer->get();
  Tensor t(shape, data, *std::move(buffer));
  t.Fill(0.0f);
  return t;
}

Tensor::Tensor(const Shape& shape, float* data, AlignedFloats owned)
    : shape_(shape),
      size_(shape.num_elements()),
      data_(data),
      owned_(std::move(owned)) {
  assert(size_ >= 0);
}

Tensor::Tensor(Tensor&& other) noexcept { *this = std::move(other); }

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  if (this != &other) {
    shape_ = other.shape_;
    size_ = other.size_;
    data_ = other.data_;
    owned_ = std::move(other.owned_);
    other.shape_.Clear();
    other.size_ = 0;
    other.data_ = nullptr;
  }
  return *this;
}

Tensor Tensor::Zeros(const Shape& shape) {
  assert(shape.is_fully_defined());
  AlignedFloats buffer = AllocateAligned(shape.num_elements());
  float* data = buffer.get();
  Tensor t(shape, data, std::move(buffer));
  t.Fill(0.0f);
  return t;
}

Tensor Tensor::FromValues(const Shape& shape, absl::Span<const float> values) {
  Tensor t = Zeros(shape);
  assert(static_cast<int64_t>(values.size()) == t.size());
  std::memcpy(t.data(), values.data(), values.size() * sizeof(float));
  return t;
}

Tensor Tensor::View(const Shape& shape, float* data) {
  assert(shape.is_fully_defined());
  return Tensor(shape, data, nullptr);
}

Tensor Tensor::Clone() const {
  Tensor t = Zeros(shape_);
  if (size_ > 0) std::memcpy(t.data(), data_, size_ * sizeof(float));
  return t;
}

Tensor Tensor::ViewAs(const Shape& shape) const {
  assert(shape.num_elements() == size_);
  return Tensor(shape, data_, nullptr);
}

void Tensor::Fill(float value) {
  for (int64_t i = 0; i < size_; ++i) data_[i] = value;
}

void Tensor::CopyFrom(const Tensor& src) {
  assert(src.size() == size_);
  if (size_ > 0) std::memcpy(data_, src.data(), size_ * sizeof(float));
}

std::string Tensor::DebugString(int max_values) const {
  std::string out = absl::StrCat("Tensor", shape_.DebugString(), " {");
  for (int64_t i = 0; i < size_ && i < max_values; ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", data_[i]);
  }
  if (size_ > max_values) out += ", ...";
  out += "}";
  return out;
}

}  // namespace dagrad
