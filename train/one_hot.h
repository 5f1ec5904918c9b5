// train/one_hot.h: one-hot targets from integer class labels, for the
// losses that compare the output with a target row (MSE, sigmoid BCE).
//
// Example:
//   OneHotEncoder encoder;
//   ASSIGN_OR_RETURN(Tensor targets, encoder.Encode(labels, /*classes=*/10));
//   // targets: [batch, 10], a view into the encoder's buffer.
#ifndef DAGRAD_TRAIN_ONE_HOT_H_
#define DAGRAD_TRAIN_ONE_HOT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/tensor.h"

namespace dagrad {

// OneHotEncoder turns labels into one-hot rows in a buffer it owns. The
// buffer keeps the size of the largest batch seen, so encoding a batch no
// larger than an earlier one allocates nothing.
class OneHotEncoder {
 public:
  // Encode() returns a [batch, classes] view of the rows for `labels`
  // (batch floats, each a class in [0, classes)), valid until the next
  // Encode() or the encoder's destruction. A label outside [0, classes) is
  // InvalidArgument naming the example.
  absl::StatusOr<Tensor> Encode(const Tensor& labels, int64_t classes);

 private:
  Tensor buffer_;
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_ONE_HOT_H_
