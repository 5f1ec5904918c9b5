// Compiles and runs exactly the example that opens models/model.h.
#include <iostream>

#include "core/random.h"
#include "core/status_macros.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_pooling.h"
#include "layers/merge.h"
#include "models/model.h"

namespace dagrad {
namespace {

// HeaderData() is `n` random images with their mean as the second input,
// a random 10-class label and its coarse 3-class bucket.
MultiDataset HeaderData(int64_t n, uint64_t seed) {
  MultiDataset data;
  Tensor image = Tensor::Zeros(Shape({n, 1, 28, 28}));
  Tensor mean = Tensor::Zeros(Shape({n, 1}));
  Tensor classes = Tensor::Zeros(Shape({n}));
  Tensor coarse = Tensor::Zeros(Shape({n}));
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (int64_t k = 0; k < 28 * 28; ++k) {
      image.data()[i * 28 * 28 + k] = rng.Uniform();
      sum += image.data()[i * 28 * 28 + k];
    }
    mean.data()[i] = static_cast<float>(sum / (28 * 28));
    const int64_t label = static_cast<int64_t>(rng.UniformInt(10));
    classes.data()[i] = static_cast<float>(label);
    coarse.data()[i] = static_cast<float>(label % 3);
  }
  data.inputs.push_back(std::move(image));
  data.inputs.push_back(std::move(mean));
  data.labels.push_back(std::move(classes));
  data.labels.push_back(std::move(coarse));
  data.num_classes = {10, 3};
  return data;
}

absl::Status HeaderExample(const MultiDataset& train, const MultiDataset& valid,
                           const MultiDataset& test_data) {
  // --- models/model.h's example, verbatim ---
  SymbolicTensor image = Input(Shape({1, 28, 28}), "image");
  SymbolicTensor mean = Input(Shape({1}), "mean");
  Conv2DOptions same;
  same.attrs.padding = Padding::kSame;
  SymbolicTensor c = Apply(Conv2D(8, 3, same), image);
  SymbolicTensor h = Apply(ActivationLayer(Activation::kRelu), c);
  h = Apply(Conv2D(8, 3, same), h);
  h = Apply(Add(), {h, c});                // the skip connection
  h = Apply(GlobalAveragePooling2D(), h);  // [?, 8]
  h = Apply(Concatenate(1), {h, mean});    // [?, 9]
  SymbolicTensor classes = Apply(Dense(10), h, "classes");
  SymbolicTensor coarse = Apply(Dense(3), h, "coarse");
  Model model({image, mean}, {classes, coarse}, /*seed=*/1);
  RETURN_IF_ERROR(model.status());
  std::cout << *model.Summary();
  FitOptions fit;
  fit.loss_weights = {1.0f, 0.5f};  // a loss per output
  ASSIGN_OR_RETURN(History history, model.Fit(train, &valid, fit));
  ASSIGN_OR_RETURN(EvalResult test, model.Evaluate(test_data));
  // test.outputs[0].accuracy, test.outputs[1].accuracy
  // --- end of the example ---
  if (history.epochs.size() != 1 || test.outputs.size() != 2 ||
      test.examples != test_data.size()) {
    return absl::InternalError("unexpected results");
  }
  return absl::OkStatus();
}

TEST(ModelHeaderExampleTest, Runs) {
  const absl::Status s =
      HeaderExample(HeaderData(64, 1), HeaderData(16, 2), HeaderData(16, 3));
  EXPECT_TRUE(s.ok()) << s;
}

}  // namespace
}  // namespace dagrad
