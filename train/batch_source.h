// train/batch_source.h: where the fit loop takes its batches from.
//
// A BatchSource yields one epoch of batches at a time: per batch, one
// tensor per model input and one label tensor per model output, as views
// valid until the next Next(). DatasetSource walks a Dataset (a model of
// one input and one output) through a DataProvider, MultiSource a
// MultiDataset through a MultiProvider; both shuffle in a seeded order
// drawn anew each epoch. Data-parallel training gives each worker a
// source of its shard.
//
// Example:
//   ASSIGN_OR_RETURN(DataProvider provider,
//                    DataProvider::Create(&data, 64, true, seed, "train"));
//   DatasetSource source(&provider);
//   absl::Span<const Tensor> inputs, labels;
//   for (source.Reset(); source.Next(&inputs, &labels);) Step(inputs, labels);
#ifndef DAGRAD_TRAIN_BATCH_SOURCE_H_
#define DAGRAD_TRAIN_BATCH_SOURCE_H_

#include <cstdint>
#include <optional>

#include "absl/types/span.h"
#include "core/tensor.h"
#include "data/dataset.h"
#include "data/multi_dataset.h"

namespace dagrad {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Reset() starts the next epoch; SetEpoch(e) makes it epoch e + 1.
  virtual void Reset() = 0;
  virtual void SetEpoch(int64_t epoch) = 0;
  // Next() points *inputs and *labels at the epoch's next batch and returns
  // true, or returns false at the epoch's end. It allocates nothing.
  virtual bool Next(absl::Span<const Tensor>* inputs,
                    absl::Span<const Tensor>* labels) = 0;
  virtual int64_t num_batches() const = 0;
};

// ProviderSource is what both sources share: an epoch is the provider's
// (Reset, SetEpoch, num_batches); only Next() differs.
template <typename Provider>
class ProviderSource : public BatchSource {
 public:
  // `provider` is not owned and must outlive the source.
  explicit ProviderSource(Provider* provider) : provider_(provider) {}
  void Reset() override { provider_->Reset(); }
  void SetEpoch(int64_t epoch) override { provider_->SetEpoch(epoch); }
  int64_t num_batches() const override { return provider_->num_batches(); }

 protected:
  Provider* provider_;
};

class DatasetSource : public ProviderSource<DataProvider> {
 public:
  using ProviderSource::ProviderSource;
  bool Next(absl::Span<const Tensor>* inputs,
            absl::Span<const Tensor>* labels) override;

 private:
  std::optional<Batch> batch_;
};

class MultiSource : public ProviderSource<MultiProvider> {
 public:
  using ProviderSource::ProviderSource;
  bool Next(absl::Span<const Tensor>* inputs,
            absl::Span<const Tensor>* labels) override;
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_BATCH_SOURCE_H_
