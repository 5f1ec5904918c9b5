// examples/lenet5.cc: LeNet-5 on Fashion-MNIST (or MNIST with --data_dir).
//
//   bazel run -c opt //examples:lenet5 -- --epochs=10 --plot=/tmp/lenet5.svg
//
// conv 6x5x5 same (no bias) + ReLU, maxpool 2, conv 16x5x5 valid (no bias) +
// ReLU, maxpool 2, flatten, 400->120 ReLU ->84 ReLU ->10, softmax
// cross-entropy; SGD momentum 0.9, lr 0.01, batch 64. 61,684 parameters.
// The model is AddLeNet5() in models/model_zoo.cc, shared with the
// training-step benchmark and the tests.
#include "examples/example_main.h"
#include "models/model_zoo.h"

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT: an example reads better without prefixes.
  ExampleSpec spec;
  spec.name = "lenet5";
  spec.title = "LeNet-5";
  spec.input_shape = Shape({1, 28, 28});
  spec.epochs = 3;
  spec.batch_size = 64;
  spec.lr = 0.01f;
  spec.optimizer = OptimizerKind::kMomentum;
  spec.optimizer_options.momentum = 0.9f;
  spec.build = [](Sequential* model, Activation, int) { AddLeNet5(model); };
  return RunExample(argc, argv, spec);
}
