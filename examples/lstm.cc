// examples/lstm.cc: an LSTM classifies Fashion-MNIST (or MNIST with
// --data_dir), reading each image as a sequence of 28 rows of 28 pixels.
//
//   bazel run -c opt //examples:lstm -- --epochs=3 --threads=2
//
// Reshape [1,28,28] -> [28,28] (28 steps of 28 features), LSTM(64) (last
// state; PyTorch's gate order and U(-1/8, 1/8) init, layers/recurrent.h),
// Dense(10), softmax cross-entropy; Adam lr 0.004, batch 64. 24,714
// parameters. The twin is tools/pytorch_reference/models.py lstm().
#include "examples/example_main.h"
#include "layers/dense.h"
#include "layers/recurrent.h"
#include "layers/reshape.h"

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT: an example reads better without prefixes.
  ExampleSpec spec;
  spec.name = "lstm";
  spec.title = "LSTM over image rows";
  spec.input_shape = Shape({1, 28, 28});
  spec.epochs = 3;
  spec.batch_size = 64;
  spec.lr = 0.004f;
  spec.optimizer = OptimizerKind::kAdam;
  spec.build = [](Sequential* model, Activation, int) {
    model->Add(Reshape({28, 28}));
    model->Add(LSTM(64));
    model->Add(Dense(10));
  };
  return RunExample(argc, argv, spec);
}
