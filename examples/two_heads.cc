// examples/two_heads.cc: two inputs and two outputs with weighted losses,
// written with the functional API (models/model.h).
//
//   bazel run -c opt //examples:two_heads -- --epochs=3 --threads=2
//
// The inputs are the top and the bottom half of each Fashion-MNIST image
// ([1,14,28] each). One convolution tower, shared by both halves (a layer
// called twice: one set of weights), reads each half: conv 16x3x3 (pad 1)
// + ReLU, maxpool 2, conv 32x3x3 (pad 1) + ReLU, maxpool 2, flatten (672).
// The two 672-vectors are concatenated, then Dense(128, ReLU) feeds two
// heads: "classes", the 10 classes, and "coarse", 4 groups (tops: T-shirt,
// pullover, coat, shirt; trousers and dresses; shoes: sandal, sneaker,
// ankle boot; bags). Loss: softmax cross-entropy per head, weighted 1.0
// and 0.5. Adam, lr 0.001, batch 64. Prints each head's test accuracy.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "examples/example_main.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "layers/merge.h"
#include "layers/pooling.h"
#include "models/model.h"

namespace dagrad {
namespace {

// kCoarse maps each Fashion-MNIST class to its group.
constexpr int kCoarse[10] = {0, 1, 0, 1, 0, 2, 0, 2, 3, 2};

std::unique_ptr<Model> TwoHeads(uint64_t seed) {
  SymbolicTensor top = Input(Shape({1, 14, 28}), "top");
  SymbolicTensor bottom = Input(Shape({1, 14, 28}), "bottom");
  Conv2DOptions conv;
  conv.SetPadding(1);
  conv.activation = Activation::kRelu;
  // The tower's layers, each called on both halves.
  const std::vector<LayerHandle> tower = {
      LayerHandle(Conv2D(16, 3, conv), "conv1"),
      LayerHandle(MaxPool2D(2), "pool1"),
      LayerHandle(Conv2D(32, 3, conv), "conv2"),
      LayerHandle(MaxPool2D(2), "pool2"), LayerHandle(Flatten(), "flatten")};
  SymbolicTensor up = top, down = bottom;
  for (const LayerHandle& layer : tower) {
    up = layer(up);
    down = layer(down);
  }
  SymbolicTensor both = Apply(Concatenate(1), {up, down});
  SymbolicTensor h = Apply(Dense(128, Activation::kRelu), both, "hidden");
  SymbolicTensor classes = Apply(Dense(10), h, "classes");
  SymbolicTensor coarse = Apply(Dense(4), h, "coarse");
  return std::make_unique<Model>(std::vector<SymbolicTensor>{top, bottom},
                                 std::vector<SymbolicTensor>{classes, coarse},
                                 seed);
}

// Halves() splits each image into its top and bottom 14 rows, and adds the
// coarse labels.
absl::StatusOr<MultiDataset> Halves(const Dataset& split,
                                    const std::string& name) {
  ASSIGN_OR_RETURN(MultiDataset whole, ToMultiDataset(split, name));
  const Tensor& images = whole.inputs[0];  // [N,1,28,28]
  const int64_t n = images.shape().dim(0);
  if (images.shape() != Shape({n, 1, 28, 28})) {
    return absl::InvalidArgumentError(
        absl::StrCat("two_heads: ", name, " images ",
                     images.shape().DebugString(), " are not [N,1,28,28]"));
  }
  MultiDataset out;
  for (int half = 0; half < 2; ++half) {
    Tensor t = Tensor::Zeros(Shape({n, 1, 14, 28}));
    for (int64_t i = 0; i < n; ++i) {
      const float* src = images.data() + i * 28 * 28 + half * 14 * 28;
      std::copy(src, src + 14 * 28, t.data() + i * 14 * 28);
    }
    out.inputs.push_back(std::move(t));
  }
  Tensor coarse = Tensor::Zeros(Shape({n}));
  for (int64_t i = 0; i < n; ++i) {
    coarse.data()[i] = static_cast<float>(
        kCoarse[static_cast<int>(whole.labels[0].data()[i])]);
  }
  out.labels.push_back(std::move(whole.labels[0]));
  out.labels.push_back(std::move(coarse));
  out.num_classes = {whole.num_classes[0], 4};
  return out;
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  using namespace dagrad;  // NOLINT: an example reads better without prefixes.
  ExampleSpec spec;
  spec.name = "two_heads";
  spec.title = "Two inputs, two heads";
  spec.epochs = 3;
  spec.batch_size = 64;
  spec.lr = 0.001f;
  spec.optimizer = OptimizerKind::kAdam;
  spec.build_model = [](uint64_t seed, Activation, int) {
    return TwoHeads(seed);
  };
  spec.make_data = Halves;
  spec.loss_weights = {1.0f, 0.5f};
  spec.output_names = {"classes", "coarse"};
  return RunExample(argc, argv, spec);
}
