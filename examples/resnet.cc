// examples/resnet.cc: a small residual network on Fashion-MNIST, written
// with the functional API (models/model.h).
//
//   bazel run -c opt //examples:resnet -- --epochs=1 --threads=2
//
// stem: conv 16x3x3 (pad 1, no bias) + BatchNorm + ReLU    [16,28,28]
// ResidualBlock(16)                                        [16,28,28]
// ResidualBlock(32, stride 2), projection shortcut         [32,14,14]
// ResidualBlock(64, stride 2), projection shortcut         [64,7,7]
// GlobalAveragePooling2D -> Dense(10) logits, softmax cross-entropy.
// Convolutions are He-normal initialized (fan in), the Dense Glorot
// uniform; Adam, lr 0.001, batch 64. Its PyTorch twin is "resnet" in
// tools/pytorch_reference/models.py.
#include <memory>

#include "examples/example_main.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_pooling.h"
#include "layers/residual_block.h"
#include "models/model.h"

namespace dagrad {
namespace {

std::unique_ptr<Model> SmallResNet(uint64_t seed) {
  SymbolicTensor image = Input(Shape({1, 28, 28}), "image");
  Conv2DOptions stem;
  stem.use_bias = false;
  stem.weight_init = Initializer::HeNormal();
  stem.SetPadding(1);
  SymbolicTensor h = Apply(Conv2D(16, 3, stem), image, "stem");
  h = Apply(BatchNorm(), h, "stem_bn");
  h = Apply(ActivationLayer(Activation::kRelu), h, "stem_relu");
  h = Apply(ResidualBlock(16), h, "res1");
  h = Apply(ResidualBlock(32, /*stride=*/2), h, "res2");
  h = Apply(ResidualBlock(64, /*stride=*/2), h, "res3");
  h = Apply(GlobalAveragePooling2D(), h, "pool");
  SymbolicTensor logits = Apply(Dense(10), h, "logits");
  return std::make_unique<Model>(std::vector<SymbolicTensor>{image},
                                 std::vector<SymbolicTensor>{logits}, seed);
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT: an example reads better without prefixes.
  ExampleSpec spec;
  spec.name = "resnet";
  spec.title = "Small ResNet";
  spec.input_shape = Shape({1, 28, 28});
  spec.epochs = 3;
  spec.batch_size = 64;
  spec.lr = 0.001f;
  spec.optimizer = OptimizerKind::kAdam;
  spec.build_model = [](uint64_t seed, Activation, int) {
    return SmallResNet(seed);
  };
  return RunExample(argc, argv, spec);
}
