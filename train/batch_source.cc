#include "train/batch_source.h"

namespace dagrad {

bool DatasetSource::Next(absl::Span<const Tensor>* inputs,
                         absl::Span<const Tensor>* labels) {
  batch_ = provider_->Next();
  if (!batch_.has_value()) return false;
  *inputs = absl::MakeConstSpan(&batch_->images, 1);
  *labels = absl::MakeConstSpan(&batch_->labels, 1);
  return true;
}

bool MultiSource::Next(absl::Span<const Tensor>* inputs,
                       absl::Span<const Tensor>* labels) {
  const MultiBatch* batch = provider_->Next();
  if (batch == nullptr) return false;
  *inputs = absl::MakeConstSpan(batch->inputs);
  *labels = absl::MakeConstSpan(batch->labels);
  return true;
}

}  // namespace dagrad
