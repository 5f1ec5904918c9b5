// data/multi_dataset.h: labelled data with several inputs and several label
// sets, for models of many inputs and outputs (models/model.h), and its
// batched, shuffled provider.
//
// A MultiDataset holds, for N examples, one float tensor [N, ...] per model
// input (in the model's input order) and one label tensor [N] of class ids
// per model output (in output order), with each output's class count. The
// provider is DataProvider's (data/dataset.h) for many tensors: a seeded
// Fisher-Yates order drawn anew at each Reset() (epoch e uses stream e of
// the seed, so every epoch's order is reproducible at any thread count),
// buffers allocated once in Create(), and a last batch holding the rest.
//
// Example:
//   MultiDataset data;
//   data.inputs.push_back(std::move(top));     // [N,1,14,28]
//   data.inputs.push_back(std::move(bottom));  // [N,1,14,28]
//   data.labels.push_back(std::move(classes)); // [N], 10 classes
//   data.labels.push_back(std::move(coarse));  // [N], 3 classes
//   data.num_classes = {10, 3};
//   ASSIGN_OR_RETURN(MultiProvider provider,
//                    MultiProvider::Create(&data, 64, /*shuffle=*/true,
//                                          /*seed=*/1, "train"));
//   for (provider.Reset(); const MultiBatch* b = provider.Next();) {
//     Use(b->inputs, b->labels);
//   }
#ifndef DAGRAD_DATA_MULTI_DATASET_H_
#define DAGRAD_DATA_MULTI_DATASET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "data/dataset.h"

namespace dagrad {

struct MultiDataset {
  std::vector<Tensor> inputs;        // Each [N, ...], finite.
  std::vector<Tensor> labels;        // Each [N], class ids.
  std::vector<int64_t> num_classes;  // One per label tensor, >= 1.

  // size() is N: the first label tensor's length (0 without labels).
  int64_t size() const { return labels.empty() ? 0 : labels[0].size(); }
};

// ValidateMultiDataset() checks `data` before any of it is used: at least
// one input and one label tensor, one class count per label tensor (each
// >= 1), every input of rank >= 2 with N examples and finite values, every
// label tensor [N] of whole numbers in [0, num_classes). InvalidArgument
// naming `name`, the tensor ("input 1", "labels 0"), the data-set index of
// the first bad example and the shapes.
absl::Status ValidateMultiDataset(const MultiDataset& data,
                                  const std::string& name);

// ToMultiDataset() is `data` as one input (its images, float [N,C,H,W])
// and one label set, copied through a DataProvider (so it does not depend
// on how a Dataset stores its pixels). Errors are DataProvider::Create()'s
// for `data`, named `name`.
absl::StatusOr<MultiDataset> ToMultiDataset(const Dataset& data,
                                            const std::string& name = "data");

// SliceMulti() copies examples [begin, end) of every tensor.
MultiDataset SliceMulti(const MultiDataset& data, int64_t begin, int64_t end);

// MultiBatch is a view of the provider's buffers, valid until its next
// Next(): inputs[i] is [B, ...] and labels[j] is [B], B < batch_size only
// for the last batch.
struct MultiBatch {
  std::vector<Tensor> inputs;
  std::vector<Tensor> labels;
};

class MultiProvider {
 public:
  // Create() requires batch_size >= 1 and a non-empty `data` that passes
  // ValidateMultiDataset(`name`); `data` must outlive the provider.
  static absl::StatusOr<MultiProvider> Create(const MultiDataset* data,
                                              int64_t batch_size, bool shuffle,
                                              uint64_t seed,
                                              const std::string& name);

  // Reset() starts a new epoch (a new order when shuffling); Next() is its
  // next batch, or nullptr at its end. Next() allocates nothing.
  void Reset();
  const MultiBatch* Next();

  int64_t batch_size() const { return batch_size_; }
  int64_t num_batches() const {
    return (data_->size() + batch_size_ - 1) / batch_size_;
  }
  // SetEpoch(e) makes the next Reset() start epoch e + 1 (see DataProvider).
  void SetEpoch(int64_t epoch) { epoch_ = epoch; }

 private:
  MultiProvider() = default;

  const MultiDataset* data_ = nullptr;
  int64_t batch_size_ = 0;
  bool shuffle_ = false;
  uint64_t seed_ = 0;
  int64_t epoch_ = 0;
  int64_t cursor_ = 0;
  std::vector<int64_t> order_;
  std::vector<Tensor> input_buffers_;  // [batch_size, ...] each.
  std::vector<Tensor> label_buffers_;  // [batch_size] each.
  MultiBatch batch_;
};

}  // namespace dagrad

#endif  // DAGRAD_DATA_MULTI_DATASET_H_
