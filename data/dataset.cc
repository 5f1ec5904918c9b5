#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

bool FileExists(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  std::fclose(f);
  return true;
}

// Prefers `<dir>/<stem>.gz`, then `<dir>/<stem>`; returns the .gz path (for
// the error message) when neither exists.
std::string FindFile(const std::string& dir, const std::string& stem) {
  std::string gz = absl::StrCat(dir, "/", stem, ".gz");
  if (FileExists(gz)) return gz;
  std::string plain = absl::StrCat(dir, "/", stem);
  if (FileExists(plain)) return plain;
  return gz;
}

constexpr float kPixelScale = 1.0f / 255.0f;

}  // namespace

void Dataset::CopyImages(int64_t begin, int64_t count, float* out) const {
  const Shape& s = image_shape();
  const int64_t per_image = s.dim(1) * s.dim(2) * s.dim(3);
  if (!has_pixels()) {
    std::memcpy(out, images.data() + begin * per_image,
                count * per_image * sizeof(float));
    return;
  }
  const uint8_t* in = pixels.values.data() + begin * per_image;
  for (int64_t i = 0; i < count * per_image; ++i) {
    out[i] = static_cast<float>(in[i]) * kPixelScale;
  }
}

absl::Status ValidateDataset(const Dataset& data, const std::string& name) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("data set '", name, "': ", what));
  };
  const Shape& is = data.image_shape();
  const Shape& ls = data.labels.shape();
  if (is.rank() != 4) {
    return error(
        absl::StrCat("images ", is.DebugString(), " must be [N, C, H, W]"));
  }
  if (ls.rank() != 1) {
    return error(absl::StrCat("labels ", ls.DebugString(), " must be [N]"));
  }
  if (is.dim(0) != ls.dim(0)) {
    return error(absl::StrCat(is.dim(0), " images ", is.DebugString(), " but ",
                              ls.dim(0), " labels ", ls.DebugString()));
  }
  if (data.num_classes < 1) {
    return error(
        absl::StrCat("num_classes must be >= 1, got ", data.num_classes));
  }
  if (data.has_pixels() &&
      static_cast<int64_t>(data.pixels.values.size()) != is.num_elements()) {
    return error(absl::StrCat("images ", is.DebugString(), " hold ",
                              is.num_elements(), " values but ",
                              data.pixels.values.size(), " bytes are given"));
  }
  const int64_t n = is.dim(0);
  for (int64_t i = 0; i < n; ++i) {
    const float label = data.labels[i];
    if (!(label >= 0.0f && label < static_cast<float>(data.num_classes)) ||
        label != std::floor(label)) {
      return error(absl::StrCat("label ", label, " of example ", i,
                                " is not a class id in [0, ", data.num_classes,
                                ")"));
    }
  }
  if (data.has_pixels()) return absl::OkStatus();  // Bytes are finite.
  const int64_t per_image = n > 0 ? data.images.size() / n : 0;
  const float* pixels = data.images.data();
  for (int64_t i = 0; i < data.images.size(); ++i) {
    if (!std::isfinite(pixels[i])) {
      return error(absl::StrCat("example ", i / per_image, " has a value ",
                                pixels[i], " at offset ", i % per_image,
                                " of its image ", is.DebugString(),
                                "; inputs must be finite"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Dataset> MakeDataset(const IdxArray& images,
                                    const IdxArray& labels,
                                    const std::string& name,
                                    int64_t num_classes, int64_t limit) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("data set '", name, "': ", what));
  };
  if (images.dims.size() != 3 && images.dims.size() != 4) {
    return error(absl::StrCat("images must be [N,H,W] or [N,C,H,W], got [",
                              absl::StrJoin(images.dims, ","), "]"));
  }
  if (labels.dims.size() != 1) {
    return error(absl::StrCat("labels must be [N], got [",
                              absl::StrJoin(labels.dims, ","), "]"));
  }
  if (images.dims[0] != labels.dims[0]) {
    return error(absl::StrCat(images.dims[0], " images but ", labels.dims[0],
                              " labels"));
  }
  if (num_classes < 1) return error("num_classes must be >= 1");
  int64_t n = images.dims[0];
  if (limit >= 0 && limit < n) n = limit;
  const int64_t channels = images.dims.size() == 4 ? images.dims[1] : 1;
  const int64_t h = images.dims[images.dims.size() - 2];
  const int64_t w = images.dims[images.dims.size() - 1];
  Dataset data;
  data.num_classes = num_classes;
  data.labels = Tensor::Zeros(Shape({n}));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = labels.data[i];
    if (label >= num_classes) {
      return error(absl::StrCat("label ", label, " of example ", i,
                                " is outside [0, ", num_classes, ")"));
    }
    data.labels[i] = static_cast<float>(label);
  }
  data.pixels.shape = Shape({n, channels, h, w});
  data.pixels.values.assign(images.data.begin(),
                            images.data.begin() + n * channels * h * w);
  return data;
}

absl::StatusOr<Dataset> LoadIdxDataset(const std::string& images_path,
                                       const std::string& labels_path,
                                       int64_t num_classes, int64_t limit) {
  ASSIGN_OR_RETURN(IdxArray images, ReadIdxFile(images_path));
  ASSIGN_OR_RETURN(IdxArray labels, ReadIdxFile(labels_path));
  return MakeDataset(images, labels, images_path, num_classes, limit);
}

Dataset Slice(const Dataset& data, int64_t begin, int64_t end) {
  const Shape& s = data.image_shape();
  const int64_t n = end - begin;
  const int64_t per_image = s.dim(1) * s.dim(2) * s.dim(3);
  const Shape shape({n, s.dim(1), s.dim(2), s.dim(3)});
  Dataset out;
  out.num_classes = data.num_classes;
  out.labels = Tensor::Zeros(Shape({n}));
  if (data.has_pixels()) {
    out.pixels.shape = shape;
    const auto first = data.pixels.values.begin() + begin * per_image;
    out.pixels.values.assign(first, first + n * per_image);
  } else {
    out.images = Tensor::Zeros(shape);
    if (n > 0) data.CopyImages(begin, n, out.images.data());
  }
  if (n > 0) {
    std::memcpy(out.labels.data(), data.labels.data() + begin,
                n * sizeof(float));
  }
  return out;
}

absl::StatusOr<MnistSplits> LoadMnistSplits(const std::string& dir,
                                            int64_t train_limit,
                                            int64_t valid_count) {
  ASSIGN_OR_RETURN(Dataset train_all,
                   LoadIdxDataset(FindFile(dir, "train-images-idx3-ubyte"),
                                  FindFile(dir, "train-labels-idx1-ubyte"), 10,
                                  train_limit));
  ASSIGN_OR_RETURN(Dataset test,
                   LoadIdxDataset(FindFile(dir, "t10k-images-idx3-ubyte"),
                                  FindFile(dir, "t10k-labels-idx1-ubyte")));
  const int64_t n = train_all.size();
  if (valid_count < 0) valid_count = n / 6;
  if (valid_count >= n) {
    return absl::InvalidArgumentError(
        absl::StrCat("data set '", dir, "': a validation split of ",
                     valid_count, " leaves no training examples out of ", n));
  }
  MnistSplits splits;
  splits.train = Slice(train_all, 0, n - valid_count);
  splits.valid = Slice(train_all, n - valid_count, n);
  splits.test = std::move(test);
  return splits;
}

absl::StatusOr<DataProvider> DataProvider::Create(const Dataset* data,
                                                  int64_t batch_size,
                                                  bool shuffle, uint64_t seed,
                                                  const std::string& name) {
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DataProvider: batch size must be >= 1, got ", batch_size));
  }
  if (data == nullptr || data->size() == 0) {
    return absl::InvalidArgumentError("DataProvider: the data set is empty");
  }
  RETURN_IF_ERROR(ValidateDataset(*data, name));
  DataProvider p;
  p.data_ = data;
  p.batch_size_ = batch_size;
  p.shuffle_ = shuffle;
  p.seed_ = seed;
  p.order_.resize(data->size());
  std::iota(p.order_.begin(), p.order_.end(), 0);
  const Shape& s = data->image_shape();
  const int64_t b = std::min(batch_size, data->size());
  p.image_buffer_ = Tensor::Zeros(Shape({b, s.dim(1), s.dim(2), s.dim(3)}));
  p.label_buffer_ = Tensor::Zeros(Shape({b}));
  p.epoch_ = -1;
  p.Reset();
  return p;
}

void ShuffleForEpoch(uint64_t seed, int64_t epoch,
                     std::vector<int64_t>* order) {
  std::iota(order->begin(), order->end(), 0);
  Rng rng(seed, static_cast<uint64_t>(epoch));
  for (int64_t i = static_cast<int64_t>(order->size()) - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng.UniformInt(i + 1));
    std::swap((*order)[i], (*order)[j]);
  }
}

void DataProvider::Reset() {
  ++epoch_;
  cursor_ = 0;
  if (shuffle_) ShuffleForEpoch(seed_, epoch_, &order_);
}

std::optional<Batch> DataProvider::Next() {
  const int64_t n = data_->size();
  if (cursor_ >= n) return std::nullopt;
  const int64_t b = std::min(batch_size_, n - cursor_);
  const Shape& s = data_->image_shape();
  const int64_t per_image = s.dim(1) * s.dim(2) * s.dim(3);
  for (int64_t i = 0; i < b; ++i) {
    const int64_t src = order_[cursor_ + i];
    data_->CopyImage(src, image_buffer_.data() + i * per_image);
    label_buffer_[i] = data_->labels[src];
  }
  cursor_ += b;
  Batch batch;
  batch.images = Tensor::View(Shape({b, s.dim(1), s.dim(2), s.dim(3)}),
                              image_buffer_.data());
  batch.labels = Tensor::View(Shape({b}), label_buffer_.data());
  return batch;
}

}  // namespace dagrad
