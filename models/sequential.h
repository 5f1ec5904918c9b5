// models/sequential.h: a stack of layers that trains, evaluates and predicts.
//
// This is dagrad's counterpart of slugnet's Model and the Edinburgh
// framework's MultipleLayerModel + Optimiser, and one case of the
// functional Model (models/model.h): a model of one input whose layers form
// a chain. Add() builds each layer into the model's graph at once, through
// the same layer-call path as Model (so a shape mistake is reported at the
// layer that made it); everything else -- the loss, the reverse pass,
// executors, Fit/Evaluate/Predict/TrainStep, Save/Load -- is the Trainer's
// (train/trainer.h), shared with every Model. Parameters live in the
// model's ParameterStore, initialized from the model seed.
//
// Example (slugnet's MNIST MLP):
//   Sequential model(Shape({1, 28, 28}), /*seed=*/0);
//   model.Add(Flatten());
//   model.Add(Dense(200, Activation::kRelu));
//   model.Add(Dense(10, Activation::kSoftmax));
//   FitOptions fit;
//   fit.epochs = 3;
//   fit.batch_size = 64;
//   fit.optimizer = OptimizerKind::kRmsProp;
//   fit.lr = 0.01;
//   ASSIGN_OR_RETURN(History history, model.Fit(data.train, &data.valid, fit));
//   ASSIGN_OR_RETURN(EvalResult test, model.Evaluate(data.test));
//
// Errors: Add() never fails loudly; the first error (naming the layer, op
// and shapes, or a parameter too large to allocate: ResourceExhausted) is
// kept, later Add()s are ignored, and status(), Summary(), Fit(),
// Evaluate() and Predict() return it. Add() after the model is compiled
// (by Fit, Evaluate, Predict, Save, Load or Compile) changes nothing: the
// layer is refused, status() reports FailedPrecondition naming it, and the
// compiled model keeps training, evaluating and predicting. A failed Fit()
// leaves the parameters as they were after the last completed step.
//
// Bad numbers: a training step whose loss or gradient is NaN or Inf is an
// error (InvalidArgument naming the epoch, the step and the value) and its
// update is not applied, unless FitOptions::allow_non_finite. Batches given
// directly (TrainStep, Predict) are checked for NaN/Inf first; data sets
// (Fit, Evaluate) are checked whole by DataProvider (data/dataset.h).
//
// Input shapes: images must be [N] + the input shape exactly; a model whose
// input is rank 1 ([784]) also takes any per-example shape of that many
// elements ([N,1,28,28]), flattened. Anything else (NHWC data for an NCHW
// model) is InvalidArgument naming both shapes.
//
// Loss and output: with Loss::kSoftmaxCrossEntropy (the default) the model's
// output may be logits or end in a Softmax (Dense(10, kSoftmax), as in
// slugnet); a final Softmax is fused into the loss (the loss reads its
// input), which is the numerically stable form. Loss::kCrossEntropy expects
// probabilities (a final Softmax kept as is, the Edinburgh
// CrossEntropyError). kMeanSquaredError and kSigmoidBinaryCrossEntropy
// compare the output with one-hot targets made from the labels.
//
// Graph passes: Compile() runs the pipeline of graph/passes/pipeline.h
// (CSE, constant folding, the ReLU/max-pool reorder, activation fusion) on
// the finalized graph before any executor is made; every pass is exact
// (outputs and gradients bitwise equal with it off) and on by default.
// SetPassOptions() switches them before the first Compile().
//
// Thread safety: none; one thread drives a model.
#ifndef DAGRAD_MODELS_SEQUENTIAL_H_
#define DAGRAD_MODELS_SEQUENTIAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/shape.h"
#include "layers/layer.h"
#include "models/model.h"

namespace dagrad {

class Sequential : public Model {
 public:
  // Sequential() makes an empty model taking examples of `input_shape`
  // (without the batch dimension, e.g. {1, 28, 28} or {784}).
  explicit Sequential(Shape input_shape, uint64_t seed = 0);
  ~Sequential() override;

  // Add() appends `layer`, named `name` or "<type>_<k>" (dense_1, ...),
  // and builds it into the graph at once; see the class comment for errors.
  template <typename L>
  Sequential& Add(L layer, std::string name = "") {
    return AddLayer(std::make_unique<L>(std::move(layer)), std::move(name));
  }
  Sequential& AddLayer(std::unique_ptr<Layer> layer, std::string name = "");

  Sequential* AsSequential() override { return this; }

 private:
  NodeId last_;            // The last layer's output (the input at first).
  std::string last_name_;  // Its layer's name ("x" for the input).
  std::vector<std::unique_ptr<Layer>> layer_objects_;
};

}  // namespace dagrad

#endif  // DAGRAD_MODELS_SEQUENTIAL_H_
