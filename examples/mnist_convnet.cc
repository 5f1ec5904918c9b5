// examples/mnist_convnet.cc: slugnet's tiny convnet: Conv 1 kernel 3x3,
// MeanPool 2, Conv 2 kernels 4x4, MeanPool 2, Flatten, Dense 10 softmax;
// SGD lr 0.001, batch 3, on the first 1,000 training images.
//
//   bazel run -c opt //examples:mnist_convnet
#include "examples/example_main.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "layers/pooling.h"

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT
  ExampleSpec spec;
  spec.name = "mnist_convnet";
  spec.title = "tiny convnet";
  spec.input_shape = Shape({1, 28, 28});
  spec.epochs = 3;
  spec.batch_size = 3;
  spec.lr = 0.001f;
  spec.optimizer = OptimizerKind::kSgd;
  spec.train_limit = 1000;
  spec.build = [](Sequential* model, Activation, int) {
    Conv2DOptions relu;
    relu.activation = Activation::kRelu;
    model->Add(Conv2D(1, 3, relu));
    model->Add(MeanPool2D(2));
    model->Add(Conv2D(2, 4, relu));
    model->Add(MeanPool2D(2));
    model->Add(Flatten());
    model->Add(Dense(10, Activation::kSoftmax));
  };
  return RunExample(argc, argv, spec);
}
