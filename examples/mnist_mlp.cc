// examples/mnist_mlp.cc: slugnet's MNIST MLP, Dense 200 ReLU, Dense 10
// softmax, RMSProp lr 0.01, 3 epochs.
//
//   bazel run -c opt //examples:mnist_mlp
#include "examples/example_main.h"
#include "layers/dense.h"
#include "layers/flatten.h"

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT
  ExampleSpec spec;
  spec.name = "mnist_mlp";
  spec.title = "MLP 784-200-10";
  spec.input_shape = Shape({784});
  spec.epochs = 3;
  spec.batch_size = 64;
  spec.lr = 0.01f;
  spec.optimizer = OptimizerKind::kRmsProp;
  spec.build = [](Sequential* model, Activation, int) {
    model->Add(Dense(200, Activation::kRelu));
    model->Add(Dense(10, Activation::kSoftmax));
  };
  return RunExample(argc, argv, spec);
}
