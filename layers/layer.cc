#include "layers/layer.h"

#include "absl/strings/str_format.h"

namespace dagrad {

absl::Status LayerError(const std::string& scope, absl::string_view type,
                        const Shape& input, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "layer '%s' (%s): %s; input %s", scope, type, what, input.DebugString()));
}

ParameterInit ParameterInitFrom(const Initializer& init) {
  return [init](Tensor* value, Rng* rng) { return init.Fill(value, rng); };
}

}  // namespace dagrad
