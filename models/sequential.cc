#include "models/sequential.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dagrad {

Sequential::Sequential(Shape input_shape, uint64_t seed) : Model(seed) {
  show_connections_ = false;  // A chain: each layer reads the one above.
  std::vector<int64_t> dims = {Shape::kUnknownDim};
  for (int64_t d : input_shape.dims()) dims.push_back(d);
  absl::StatusOr<NodeId> input = builder()->AddInput("x", Shape(dims));
  if (!input.ok()) {
    SetError(input.status());
    return;
  }
  last_ = *input;
  last_name_ = "x";
  SetInputs({*input}, {std::move(input_shape)});
}

Sequential::~Sequential() = default;

Sequential& Sequential::AddLayer(std::unique_ptr<Layer> layer,
                                 std::string name) {
  if (!build_status().ok()) return *this;
  if (name.empty()) {
    name = absl::StrCat(model_internal::LowerType(layer->type()), "_",
                        LayersOfType(layer->type()) + 1);
  }
  if (compiled()) {
    // The trained model stays usable: only status() reports the refusal.
    SetNote(absl::FailedPreconditionError(absl::StrFormat(
        "cannot add layer '%s' (%s): the model is compiled (by Fit, "
        "Evaluate, Predict, Save, Load or Compile) and its graph is "
        "fixed; add every layer before those. The model is unchanged",
        name, layer->type())));
    return *this;
  }
  if (HasLayer(name)) {
    SetError(absl::InvalidArgumentError(absl::StrFormat(
        "layer name '%s' (%s) is used twice", name, layer->type())));
    return *this;
  }
  const NodeId input = last_;
  absl::StatusOr<NodeId> output =
      AddLayerCall(*layer, name, absl::MakeConstSpan(&input, 1), {last_name_});
  if (!output.ok()) {
    SetError(output.status());
    return *this;
  }
  layer_objects_.push_back(std::move(layer));
  last_ = *output;
  last_name_ = name;
  SetOutputs({last_}, {name});
  return *this;
}

}  // namespace dagrad
