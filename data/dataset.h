// data/dataset.h: labelled image data sets and batched, shuffled providers.
//
// A Dataset holds images NCHW with values in [0, 1], and labels as class ids
// stored in a float tensor [N] (the form SoftmaxCrossEntropy takes). Images
// come in one of two forms: float32 (`images`, what a user builds in
// memory), or the bytes of IDX files (`pixels`, standing for byte / 255),
// which is how LoadIdxDataset() and LoadMnistSplits() keep them: a quarter
// of the memory (Fashion-MNIST's 70,000 images take 55 MB, not 220 MB).
// Read images through image_shape() and CopyImages(), which serve both
// forms. A DataProvider walks a Dataset in batches, in a seeded shuffled
// order that is drawn anew at each Reset(), like the Edinburgh mlp
// framework's providers; it converts bytes to floats per batch, into the
// buffer it allocated once.
//
// Example:
//   ASSIGN_OR_RETURN(MnistSplits data,
//                    LoadMnistSplits("/usr/share/datasets/fashion-mnist"));
//   ASSIGN_OR_RETURN(DataProvider train,
//                    DataProvider::Create(&data.train, /*batch_size=*/64,
//                                         /*shuffle=*/true, /*seed=*/1));
//   for (train.Reset(); auto batch = train.Next();) {
//     Use(batch->images, batch->labels);  // [B,1,28,28], [B]
//   }
#ifndef DAGRAD_DATA_DATASET_H_
#define DAGRAD_DATA_DATASET_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "data/idx.h"

namespace dagrad {

// PixelArray is images as bytes: value = byte / 255.
struct PixelArray {
  Shape shape;  // [N, C, H, W]
  std::vector<uint8_t> values;
};

struct Dataset {
  // Exactly one of `images` and `pixels` holds the images; the other is
  // empty (an empty Tensor, a PixelArray of no values).
  Tensor images;  // [N, C, H, W], values in [0, 1].
  PixelArray pixels;
  Tensor labels;  // [N], integer class ids in [0, num_classes).
  int64_t num_classes = 0;

  int64_t size() const { return labels.size(); }
  // has_pixels() is true when the images are held as bytes.
  bool has_pixels() const { return pixels.shape.rank() > 0; }
  // image_shape() is the images' shape [N, C, H, W], in either form.
  const Shape& image_shape() const {
    return has_pixels() ? pixels.shape : images.shape();
  }
  // CopyImages() writes examples [begin, begin + count) as floats to
  // `out` (count * C * H * W floats). Requires a valid range.
  void CopyImages(int64_t begin, int64_t count, float* out) const;
  // CopyImage() writes example `index` to `out` (C * H * W floats).
  void CopyImage(int64_t index, float* out) const { CopyImages(index, 1, out); }
};

// ValidateDataset() checks a Dataset before any of it is used: images
// [N, C, H, W] (float, every value finite; or bytes, as many as the shape
// holds), labels [N] (the same N) holding
// whole numbers in [0, num_classes), num_classes >= 1. The error is
// InvalidArgument naming `name`, the data-set index of the first bad example
// and what is wrong with it (a count mismatch gives both shapes).
absl::Status ValidateDataset(const Dataset& data, const std::string& name);

// MakeDataset() converts IDX arrays (images [N,H,W] or [N,C,H,W] bytes,
// labels [N] bytes) into a Dataset that keeps the bytes (`pixels`). It checks
// ranks, that the counts agree, and that every label is < num_classes, naming
// `name` and the first bad example. `limit` >= 0 keeps only the first
// `limit` examples.
absl::StatusOr<Dataset> MakeDataset(const IdxArray& images,
                                    const IdxArray& labels,
                                    const std::string& name,
                                    int64_t num_classes = 10,
                                    int64_t limit = -1);

// LoadIdxDataset() reads an images file and a labels file (gz or plain).
absl::StatusOr<Dataset> LoadIdxDataset(const std::string& images_path,
                                       const std::string& labels_path,
                                       int64_t num_classes = 10,
                                       int64_t limit = -1);

// Slice() copies examples [begin, end) into a new Dataset.
Dataset Slice(const Dataset& data, int64_t begin, int64_t end);

struct MnistSplits {
  Dataset train;
  Dataset valid;
  Dataset test;
};

// LoadMnistSplits() reads the four standard files from `dir`
// (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
// t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]; .gz preferred
// when both exist). `train_limit` >= 0 keeps only the first that many
// training images, before the split. The last `valid_count` training
// examples become the validation set; -1 means one sixth (10,000 of 60,000).
absl::StatusOr<MnistSplits> LoadMnistSplits(const std::string& dir,
                                            int64_t train_limit = -1,
                                            int64_t valid_count = -1);

// ShuffleForEpoch() sets *order to 0 .. size-1 in the shuffled order of
// epoch `epoch` (Fisher-Yates with stream `epoch` of `seed`): the order in
// which DataProvider and MultiProvider (data/multi_dataset.h) walk an epoch.
void ShuffleForEpoch(uint64_t seed, int64_t epoch, std::vector<int64_t>* order);

// Batch is a view of the provider's buffers, valid until its next Next().
struct Batch {
  Tensor images;  // [B, C, H, W]; B < batch_size only for the last batch.
  Tensor labels;  // [B]
};

class DataProvider {
 public:
  // Create() requires batch_size >= 1 and a non-empty `data` that passes
  // ValidateDataset() (so a bad example is reported by its data-set index
  // before any training step); `data` must outlive the provider. Buffers
  // are allocated here, once.
  // `name` names the data in errors ("train", "valid", ...).
  static absl::StatusOr<DataProvider> Create(const Dataset* data,
                                             int64_t batch_size, bool shuffle,
                                             uint64_t seed,
                                             const std::string& name = "data");

  // Reset() starts a new epoch: with shuffling, a new permutation drawn from
  // the provider's seeded stream (epoch e uses stream e, so the order of
  // every epoch is reproducible).
  void Reset();
  // Next() returns the next batch of this epoch, or nullopt at its end. The
  // last batch holds the remainder: no example is dropped.
  std::optional<Batch> Next();

  int64_t batch_size() const { return batch_size_; }
  int64_t num_batches() const {
    return (data_->size() + batch_size_ - 1) / batch_size_;
  }
  // epoch() counts Reset() calls. SetEpoch(e) makes the next Reset() start
  // epoch e + 1 with that epoch's order, as if e epochs had run (resuming
  // from a checkpoint).
  int64_t epoch() const { return epoch_; }
  void SetEpoch(int64_t epoch) { epoch_ = epoch; }

 private:
  DataProvider() = default;

  const Dataset* data_ = nullptr;
  int64_t batch_size_ = 0;
  bool shuffle_ = false;
  uint64_t seed_ = 0;
  int64_t epoch_ = 0;
  int64_t cursor_ = 0;
  std::vector<int64_t> order_;
  Tensor image_buffer_;
  Tensor label_buffer_;
};

}  // namespace dagrad

#endif  // DAGRAD_DATA_DATASET_H_
