#include "layers/layer.h"

#include "absl/strings/str_format.h"

namespace dagrad {

absl::StatusOr<NodeId> Layer::BuildMulti(
    GraphBuilder* graph, const std::string& scope,
    absl::Span<const NodeId> inputs) const {
  if (inputs.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("layer '%s' (%s) takes one input, got %d", scope,
                        type(), inputs.size()));
  }
  return Build(graph, scope, inputs[0]);
}

absl::Status LayerError(const std::string& scope, absl::string_view type,
                        const Shape& input, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "layer '%s' (%s): %s; input %s", scope, type, what, input.DebugString()));
}

ParameterInit ParameterInitFrom(const Initializer& init) {
  return [init](Tensor* value, Rng* rng) { return init.Fill(value, rng); };
}

}  // namespace dagrad
