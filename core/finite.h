// core/finite.h: a fast scan for NaN and Inf, for checks at the data
// boundary (a batch fed to a model) and on a training step's loss and
// gradients.
//
// FirstNonFinite() reads the floats once, in blocks whose test vectorizes
// (core/BUILD builds it with -O3); only a block that holds a NaN or an Inf
// is scanned again to find the element. It allocates nothing.
//
// Example:
//   if (int64_t i = FirstNonFinite(images.flat()); i >= 0) {
//     return absl::InvalidArgumentError(
//         absl::StrCat("images hold ", images[i], " at element ", i));
//   }
#ifndef DAGRAD_CORE_FINITE_H_
#define DAGRAD_CORE_FINITE_H_

#include <cstdint>

#include "absl/types/span.h"

namespace dagrad {

// FirstNonFinite() is the index of the first NaN or +-Inf in `values`, or -1
// when every value is finite.
int64_t FirstNonFinite(absl::Span<const float> values);

}  // namespace dagrad

#endif  // DAGRAD_CORE_FINITE_H_
