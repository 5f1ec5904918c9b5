// examples/mnist_dropout.cc: slugnet's MLP with Dropout(0.5) after the hidden
// layer, RMSProp lr 0.01, 3 epochs.
//
//   bazel run -c opt //examples:mnist_dropout
#include "examples/example_main.h"
#include "layers/dense.h"
#include "layers/dropout.h"

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT
  ExampleSpec spec;
  spec.name = "mnist_dropout";
  spec.title = "MLP 784-200-10 + dropout";
  spec.input_shape = Shape({784});
  spec.epochs = 3;
  spec.batch_size = 64;
  spec.lr = 0.01f;
  spec.optimizer = OptimizerKind::kRmsProp;
  spec.build = [](Sequential* model, Activation, int) {
    model->Add(Dense(200, Activation::kRelu));
    model->Add(Dropout(0.5f));
    model->Add(Dense(10, Activation::kSoftmax));
  };
  return RunExample(argc, argv, spec);
}
