#include "data/multi_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <utility>

#include "absl/strings/str_format.h"

namespace dagrad {
namespace {

int64_t PerExample(const Tensor& t) {
  int64_t n = 1;
  for (int i = 1; i < t.shape().rank(); ++i) n *= t.shape().dim(i);
  return n;
}

// SliceRows() copies rows [begin, end) of `t` (dim 0).
Tensor SliceRows(const Tensor& t, int64_t begin, int64_t end) {
  Shape shape = t.shape();
  shape.set_dim(0, end - begin);
  Tensor out = Tensor::Zeros(shape);
  const int64_t per = PerExample(t);
  std::copy(t.data() + begin * per, t.data() + end * per, out.data());
  return out;
}

}  // namespace

absl::Status ValidateMultiDataset(const MultiDataset& data,
                                  const std::string& name) {
  if (data.inputs.empty() || data.labels.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data set '%s' has %d input tensors and %d label tensors; it needs "
        "at least one of each",
        name, data.inputs.size(), data.labels.size()));
  }
  if (data.num_classes.size() != data.labels.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data set '%s' has %d label tensors but %d class counts", name,
        data.labels.size(), data.num_classes.size()));
  }
  const int64_t n = data.size();
  for (size_t i = 0; i < data.inputs.size(); ++i) {
    const Tensor& t = data.inputs[i];
    if (t.shape().rank() < 2 || t.shape().dim(0) != n) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "data set '%s': input %d %s must be [%d, ...] (rank >= 2, as many "
          "examples as labels 0 %s)",
          name, i, t.shape().DebugString(), n,
          data.labels[0].shape().DebugString()));
    }
    const int64_t per = PerExample(t);
    for (int64_t k = 0; k < t.size(); ++k) {
      if (!std::isfinite(t.data()[k])) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "data set '%s': input %d %s holds %g at example %d; the data "
            "must be finite",
            name, i, t.shape().DebugString(), t.data()[k], k / per));
      }
    }
  }
  for (size_t j = 0; j < data.labels.size(); ++j) {
    const Tensor& t = data.labels[j];
    const int64_t classes = data.num_classes[j];
    if (classes < 1) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "data set '%s': labels %d: num_classes must be >= 1, got %d", name, j,
          classes));
    }
    if (t.shape().rank() != 1 || t.size() != n) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "data set '%s': labels %d %s must be [%d] (one class id per "
          "example)",
          name, j, t.shape().DebugString(), n));
    }
    for (int64_t k = 0; k < n; ++k) {
      const float v = t.data()[k];
      if (!(v >= 0 && v < classes && v == std::floor(v))) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "data set '%s': labels %d: example %d has label %g, not a class "
            "id in [0, %d)",
            name, j, k, v, classes));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<MultiDataset> ToMultiDataset(const Dataset& data,
                                            const std::string& name) {
  constexpr int64_t kChunk = 1024;
  absl::StatusOr<DataProvider> provider =
      DataProvider::Create(&data, kChunk, /*shuffle=*/false, 0, name);
  if (!provider.ok()) return provider.status();
  MultiDataset out;
  provider->Reset();
  int64_t row = 0;
  while (std::optional<Batch> batch = provider->Next()) {
    if (out.inputs.empty()) {
      Shape shape = batch->images.shape();
      shape.set_dim(0, data.size());
      out.inputs.push_back(Tensor::Zeros(shape));
      out.labels.push_back(Tensor::Zeros(Shape({data.size()})));
    }
    const int64_t b = batch->labels.size();
    const int64_t per = PerExample(batch->images);
    std::copy(batch->images.data(), batch->images.data() + b * per,
              out.inputs[0].data() + row * per);
    std::copy(batch->labels.data(), batch->labels.data() + b,
              out.labels[0].data() + row);
    row += b;
  }
  out.num_classes.push_back(data.num_classes);
  return out;
}

MultiDataset SliceMulti(const MultiDataset& data, int64_t begin, int64_t end) {
  MultiDataset out;
  for (const Tensor& t : data.inputs) {
    out.inputs.push_back(SliceRows(t, begin, end));
  }
  for (const Tensor& t : data.labels) {
    out.labels.push_back(SliceRows(t, begin, end));
  }
  out.num_classes = data.num_classes;
  return out;
}

absl::StatusOr<MultiProvider> MultiProvider::Create(const MultiDataset* data,
                                                    int64_t batch_size,
                                                    bool shuffle, uint64_t seed,
                                                    const std::string& name) {
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data set '%s': batch_size must be >= 1, got %d", name, batch_size));
  }
  absl::Status valid = ValidateMultiDataset(*data, name);
  if (!valid.ok()) return valid;
  if (data->size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("data set '%s' is empty", name));
  }
  MultiProvider p;
  p.data_ = data;
  p.batch_size_ = std::min(batch_size, data->size());
  p.shuffle_ = shuffle;
  p.seed_ = seed;
  p.order_.resize(data->size());
  std::iota(p.order_.begin(), p.order_.end(), 0);
  for (const Tensor& t : data->inputs) {
    Shape shape = t.shape();
    shape.set_dim(0, p.batch_size_);
    p.input_buffers_.push_back(Tensor::Zeros(shape));
    p.batch_.inputs.push_back(Tensor::View(shape, nullptr));
  }
  for (size_t j = 0; j < data->labels.size(); ++j) {
    p.label_buffers_.push_back(Tensor::Zeros(Shape({p.batch_size_})));
    p.batch_.labels.push_back(Tensor::View(Shape({p.batch_size_}), nullptr));
  }
  return p;
}

void MultiProvider::Reset() {
  ++epoch_;
  cursor_ = 0;
  if (shuffle_) ShuffleForEpoch(seed_, epoch_, &order_);
}

const MultiBatch* MultiProvider::Next() {
  const int64_t n = data_->size();
  if (cursor_ >= n) return nullptr;
  const int64_t b = std::min(batch_size_, n - cursor_);
  for (size_t i = 0; i < data_->inputs.size(); ++i) {
    const Tensor& src = data_->inputs[i];
    Tensor& dst = input_buffers_[i];
    const int64_t per = PerExample(src);
    for (int64_t k = 0; k < b; ++k) {
      std::memcpy(dst.data() + k * per, src.data() + order_[cursor_ + k] * per,
                  per * sizeof(float));
    }
    Shape shape = dst.shape();  // No allocation up to rank 4.
    shape.set_dim(0, b);
    batch_.inputs[i] = Tensor::View(shape, dst.data());
  }
  for (size_t j = 0; j < data_->labels.size(); ++j) {
    Tensor& dst = label_buffers_[j];
    for (int64_t k = 0; k < b; ++k) {
      dst.data()[k] = data_->labels[j].data()[order_[cursor_ + k]];
    }
    batch_.labels[j] = Tensor::View(Shape({b}), dst.data());
  }
  cursor_ += b;
  return &batch_;
}

}  // namespace dagrad
