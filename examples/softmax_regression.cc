// examples/softmax_regression.cc: the Edinburgh framework's first model, an
// affine layer with the softmax fused into the cross-entropy error;
// gradient descent lr 0.1, batch 100, weights and biases UniformInit(±0.1).
//
//   bazel run -c opt //examples:softmax_regression
#include "examples/example_main.h"
#include "layers/dense.h"

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT
  ExampleSpec spec;
  spec.name = "softmax_regression";
  spec.title = "softmax regression";
  spec.input_shape = Shape({784});
  spec.epochs = 5;
  spec.batch_size = 100;
  spec.lr = 0.1f;
  spec.optimizer = OptimizerKind::kSgd;
  spec.build = [](Sequential* model, Activation, int) {
    model->Add(AffineLayer(10, Initializer::Uniform(-0.1f, 0.1f),
                           Initializer::Uniform(-0.1f, 0.1f)));
  };
  return RunExample(argc, argv, spec);
}
