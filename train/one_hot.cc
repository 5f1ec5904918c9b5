#include "train/one_hot.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace dagrad {

absl::StatusOr<Tensor> OneHotEncoder::Encode(const Tensor& labels,
                                             int64_t classes) {
  const int64_t batch = labels.size();
  if (buffer_.size() < batch * classes) {
    buffer_ = Tensor::Zeros(Shape({batch, classes}));
  }
  // A view of the first batch * classes floats.
  Tensor targets = Tensor::View(Shape({batch, classes}), buffer_.data());
  float* t = targets.data();
  std::fill(t, t + batch * classes, 0.0f);
  for (int64_t i = 0; i < batch; ++i) {
    const float label = labels.data()[i];
    if (!(label >= 0 && label < classes)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "label %g of example %d is outside [0, %d)", label, i, classes));
    }
    t[i * classes + static_cast<int64_t>(label)] = 1.0f;
  }
  return targets;
}

}  // namespace dagrad
