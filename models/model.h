// models/model.h: the functional Model, a DAG of layer calls with any
// number of inputs and outputs, built from symbolic tensors as in Keras.
//
// Input() makes a symbolic tensor of a per-example shape. Calling a layer
// on symbolic tensors (Apply(), or a LayerHandle's operator()) records an
// edge and infers the output's shape at once; Model(inputs, outputs) takes
// the DAG between them. A LayerHandle called twice shares its weights (one
// parameter set; the gradients of the calls are summed). A Model can be
// called as a layer (AsLayer()), sharing its weights when called twice.
//
// Example (a skip connection, a Concatenate and two heads; this exact code
// is compiled and run by tests/models/model_header_example_test.cc):
//   SymbolicTensor image = Input(Shape({1, 28, 28}), "image");
//   SymbolicTensor mean = Input(Shape({1}), "mean");
//   Conv2DOptions same;
//   same.attrs.padding = Padding::kSame;
//   SymbolicTensor c = Apply(Conv2D(8, 3, same), image);
//   SymbolicTensor h = Apply(ActivationLayer(Activation::kRelu), c);
//   h = Apply(Conv2D(8, 3, same), h);
//   h = Apply(Add(), {h, c});                // the skip connection
//   h = Apply(GlobalAveragePooling2D(), h);  // [?, 8]
//   h = Apply(Concatenate(1), {h, mean});    // [?, 9]
//   SymbolicTensor classes = Apply(Dense(10), h, "classes");
//   SymbolicTensor coarse = Apply(Dense(3), h, "coarse");
//   Model model({image, mean}, {classes, coarse}, /*seed=*/1);
//   RETURN_IF_ERROR(model.status());
//   std::cout << *model.Summary();
//   FitOptions fit;
//   fit.loss_weights = {1.0f, 0.5f};  // a loss per output
//   ASSIGN_OR_RETURN(History history, model.Fit(train, &valid, fit));
//   ASSIGN_OR_RETURN(EvalResult test, model.Evaluate(test_data));
//   // test.outputs[0].accuracy, test.outputs[1].accuracy
// where train, valid and test_data are MultiDatasets (data/multi_dataset.h)
// with inputs {image [N,1,28,28], mean [N,1]} and labels {10-class,
// 3-class}.
//
// The Keras equivalent, line by line:
//   image = keras.Input((1, 28, 28), name="image")
//   c = layers.Conv2D(8, 3, padding="same")(image)
//   h = layers.Add()([h, c])
//   model = keras.Model([image, mean], [classes, coarse])
//   model.compile(loss=[...], loss_weights=[1.0, 0.5]); model.fit(...)
//
// Recording vs training: this header records the DAG (models/), and builds
// it into the graph of the Trainer the Model is (train/trainer.h), which
// owns everything about training: Fit, Evaluate, Predict, TrainStep,
// Save/Load, callbacks, graph passes and the executors.
//
// Names: a layer is named by Apply's `name` or "<type>_<k>" (dense_1,
// dense_2, ... in the order the Model first reaches them from its inputs),
// and its parameters live under that name ("dense_1/W"), so a checkpoint
// is keyed by the architecture, not by the order of construction.
//
// Errors: a layer call that does not fit (a merge of mismatched shapes, a
// Dense on images) is recorded in its output tensor (status()) and becomes
// the Model's status(), InvalidArgument naming the layer and the shapes.
// The Model also checks, naming the tensor: every input is an Input();
// every output is reachable from the inputs (a tensor built from another
// model's Input, or any Input not among `inputs`, is InvalidArgument); and
// every input reaches an output. A Model in error returns that status from
// every method.
//
// Thread safety: none; build a model on one thread.
#ifndef DAGRAD_MODELS_MODEL_H_
#define DAGRAD_MODELS_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/shape.h"
#include "layers/layer.h"
#include "models/dag.h"
#include "train/trainer.h"

namespace dagrad {

namespace model_internal {
struct CallNode;
}  // namespace model_internal

// SymbolicTensor is a value of a model under construction: an Input() or
// the output of a layer call. Cheap to copy (a shared reference).
class SymbolicTensor {
 public:
  // A default tensor is invalid (status() is InvalidArgument).
  SymbolicTensor() = default;

  // shape() is the batched shape, [?, ...] (empty if status() is an error).
  const Shape& shape() const;
  // status() is the error of the call that made this tensor, or of one
  // before it, or OK.
  const absl::Status& status() const;
  bool ok() const { return status().ok(); }

 private:
  friend class LayerHandle;
  friend class Model;
  friend SymbolicTensor Input(Shape shape, std::string name);
  explicit SymbolicTensor(std::shared_ptr<const model_internal::CallNode> node)
      : node_(std::move(node)) {}

  std::shared_ptr<const model_internal::CallNode> node_;
};

// Input() is a model input taking examples of `shape` (without the batch
// dimension, e.g. {1, 28, 28}); `name` names its graph node (default
// "input_<k>", k its position among the model's inputs).
SymbolicTensor Input(Shape shape, std::string name = "");

// LayerHandle holds one layer object; each call records a layer call, and
// every call of one handle (or its copies) shares the layer's weights.
class LayerHandle {
 public:
  template <typename L, typename = std::enable_if_t<
                            std::is_base_of_v<Layer, std::decay_t<L>>>>
  explicit LayerHandle(L layer, std::string name = "")
      : LayerHandle(std::make_shared<const std::decay_t<L>>(std::move(layer)),
                    std::move(name)) {}
  LayerHandle(std::shared_ptr<const Layer> layer, std::string name);

  // operator() calls the layer on one tensor or on several (a merge).
  SymbolicTensor operator()(const SymbolicTensor& x) const;
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& xs) const;

  const Layer& layer() const { return *slot_->layer; }

 private:
  std::shared_ptr<model_internal::LayerSlot> slot_;
};

// Apply() calls a fresh layer (not shared) on `x` or `xs`, named `name`.
template <typename L, typename = std::enable_if_t<
                          std::is_base_of_v<Layer, std::decay_t<L>>>>
SymbolicTensor Apply(L layer, const SymbolicTensor& x, std::string name = "") {
  return LayerHandle(std::move(layer), std::move(name))(x);
}
template <typename L, typename = std::enable_if_t<
                          std::is_base_of_v<Layer, std::decay_t<L>>>>
SymbolicTensor Apply(L layer, const std::vector<SymbolicTensor>& xs,
                     std::string name = "") {
  return LayerHandle(std::move(layer), std::move(name))(xs);
}

class Model : public Trainer {
 public:
  // Model() takes the DAG from `inputs` (each an Input()) to `outputs`;
  // see the file comment for the checks. Parameters are initialized from
  // `seed`.
  Model(std::vector<SymbolicTensor> inputs, std::vector<SymbolicTensor> outputs,
        uint64_t seed = 0);

  // Summary() is a Keras-style table: each input and layer call (type),
  // output shape, parameter count, the layers it is connected to (a
  // Sequential leaves that column out), and the totals.
  absl::StatusOr<std::string> Summary() const;

  // AsLayer() is this model as a layer of another (one output; its inputs
  // in order), named `name` or "model_<k>"; the handle's calls share this
  // model's architecture and, with each other, their weights, which live
  // under the layer's name ("encoder/dense_1/W"). The outer model has its
  // own parameter values (initialized from its seed).
  LayerHandle AsLayer(std::string name = "") const;

 protected:
  // For Sequential: a model without layers yet.
  explicit Model(uint64_t seed);

  // AddLayerCall() builds a call of `layer` on `inputs` (see
  // model_internal::BuildLayerCall) and records it for Summary(), with
  // `inbound` the names of what it is connected to.
  absl::StatusOr<NodeId> AddLayerCall(const Layer& layer,
                                      const std::string& name,
                                      absl::Span<const NodeId> inputs,
                                      std::vector<std::string> inbound);
  // HasLayer() says whether a layer call is named `name`; LayersOfType()
  // counts the layer calls of `type`.
  bool HasLayer(absl::string_view name) const;
  int LayersOfType(absl::string_view type) const;
  // show_connections_: Summary() prints the "Connected to" column.
  bool show_connections_ = true;

 private:
  struct LayerRecord {
    std::string name;
    std::string type;
    NodeId output;
    std::vector<NodeId> parameters;  // Created by this call.
    std::vector<std::string> inbound;
  };
  // Define() records the DAG into dag_ and builds it.
  absl::Status Define(const std::vector<SymbolicTensor>& inputs,
                      const std::vector<SymbolicTensor>& outputs);
  void Record(LayerRecord record) { layers_.push_back(std::move(record)); }

  std::vector<LayerRecord> layers_;
  std::vector<std::pair<std::string, NodeId>> input_rows_;  // For Summary.
  std::shared_ptr<const model_internal::Dag> dag_;
};

}  // namespace dagrad

#endif  // DAGRAD_MODELS_MODEL_H_
