// examples/mlp_depth_sweep.cc: the Edinburgh depth experiment: 1 to 5
// affine layers (hidden width 100) with sigmoid (or --activation=tanh/relu)
// between them; gradient descent lr 0.1, batch 100. Prints one summary
// table over the depths.
//
//   bazel run -c opt //examples:mlp_depth_sweep -- --activation=relu
#include "examples/example_main.h"
#include "layers/dense.h"

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT
  ExampleSpec spec;
  spec.name = "mlp_depth_sweep";
  spec.title = "MLP depth sweep";
  spec.input_shape = Shape({784});
  spec.epochs = 5;
  spec.batch_size = 100;
  spec.lr = 0.1f;
  spec.optimizer = OptimizerKind::kSgd;
  spec.sweep = {1, 2, 3, 4, 5};
  spec.sweep_name = "depth";
  spec.build = [](Sequential* model, Activation activation, int depth) {
    for (int i = 1; i < depth; ++i) model->Add(Dense(100, activation));
    model->Add(Dense(10));
  };
  return RunExample(argc, argv, spec);
}
