// tests/io/onnx/onnx_models_test.cc: every model of the zoo and of the
// examples, trained a few steps on Fashion-MNIST (so that parameters and
// BatchNorm's running statistics are not their initial values), exported to
// ONNX, checked by ONNX's checker, run in ONNX Runtime on 64 real test
// images (outputs within 1e-5 relative of dagrad's), and imported back
// (outputs bitwise dagrad's).
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "gtest/gtest.h"
#include "io/onnx/onnx_export.h"
#include "io/onnx/onnx_import.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/pooling.h"
#include "models/model_zoo.h"
#include "tests/io/onnx/ort_runner.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

constexpr char kData[] = "/usr/share/datasets/fashion-mnist";

struct ModelCase {
  std::string name;
  Shape input;  // Per example.
  std::function<void(Sequential*)> build;
};

std::vector<ModelCase> Cases() {
  const Shape image({1, 28, 28});
  const Shape flat({784});
  return {
      {"lenet5", image, [](Sequential* m) { AddLeNet5(m); }},
      {"mlp100", image,
       [](Sequential* m) { AddMlp(m, 100, Activation::kRelu); }},
      {"mnist_mlp", flat,
       [](Sequential* m) {
         m->Add(Dense(200, Activation::kRelu));
         m->Add(Dense(10, Activation::kSoftmax));
       }},
      {"mnist_dropout", flat,
       [](Sequential* m) {
         m->Add(Dense(200, Activation::kRelu));
         m->Add(Dropout(0.5f));
         m->Add(Dense(10, Activation::kSoftmax));
       }},
      {"mnist_convnet", image,
       [](Sequential* m) {
         Conv2DOptions relu;
         relu.activation = Activation::kRelu;
         m->Add(Conv2D(1, 3, relu));
         m->Add(MeanPool2D(2));
         m->Add(Conv2D(2, 4, relu));
         m->Add(MeanPool2D(2));
         m->Add(Flatten());
         m->Add(Dense(10, Activation::kSoftmax));
       }},
      {"softmax_regression", flat,
       [](Sequential* m) {
         m->Add(AffineLayer(10, Initializer::Uniform(-0.1f, 0.1f),
                            Initializer::Uniform(-0.1f, 0.1f)));
       }},
      {"mlp_depth_sweep_tanh", flat,
       [](Sequential* m) {
         for (int i = 0; i < 2; ++i) m->Add(Dense(100, Activation::kTanh));
         m->Add(Dense(10));
       }},
      {"mlp_depth_sweep_sigmoid", flat,
       [](Sequential* m) {
         for (int i = 0; i < 2; ++i) m->Add(Dense(100, Activation::kSigmoid));
         m->Add(Dense(10));
       }},
      {"conv_batch_norm", image,
       [](Sequential* m) {
         m->Add(Conv2D(4, 3));
         m->Add(BatchNorm());
         m->Add(MaxPool2D(2));
         m->Add(Flatten());
         m->Add(Dense(32));
         m->Add(BatchNorm());
         m->Add(Dense(10, Activation::kSoftmax));
       }},
  };
}

// AsInput() is the first n images of `data` in the model's input shape.
Tensor AsInput(const Dataset& data, int64_t n, const Shape& input) {
  std::vector<int64_t> dims = {n};
  for (int64_t d : input.dims()) dims.push_back(d);
  Tensor images = Tensor::Zeros(Shape(dims));
  data.CopyImages(0, n, images.data());
  return images;
}

TEST(OnnxModelsTest, EveryModelRunsTheSameInOnnxRuntimeAndImportsBack) {
  absl::StatusOr<MnistSplits> data =
      LoadMnistSplits(kData, /*train_limit=*/1000, /*valid_count=*/100);
  ASSERT_TRUE(data.ok()) << data.status();
  for (const ModelCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    Sequential model(c.input, /*seed=*/1);
    c.build(&model);
    ASSERT_TRUE(model.status().ok()) << model.status();
    // A few steps, so nothing is at its initial value.
    FitOptions fit;
    fit.optimizer = OptimizerKind::kMomentum;
    const Tensor train = AsInput(data->train, 64, c.input);
    const Tensor labels = Tensor::View(
        Shape({64}), const_cast<float*>(data->train.labels.data()));
    for (int step = 0; step < 3; ++step) {
      ASSERT_TRUE(model.TrainStep(train, labels, fit, 0.05f).ok());
    }
    const Tensor test = AsInput(data->test, 64, c.input);
    absl::StatusOr<Tensor> ours = model.Predict(test);
    ASSERT_TRUE(ours.ok()) << ours.status();

    absl::StatusOr<Sequential::Endpoints> ends = model.InferenceEndpoints();
    ASSERT_TRUE(ends.ok()) << ends.status();
    absl::StatusOr<std::string> bytes = OnnxModelBytes(
        *ends->graph, *ends->store, {ends->input}, {ends->output});
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    absl::Status checked = CheckOnnxModel(*bytes);
    ASSERT_TRUE(checked.ok()) << checked;

    absl::StatusOr<std::vector<Tensor>> ort = RunOnnxRuntime(*bytes, {&test});
    ASSERT_TRUE(ort.ok()) << ort.status();
    ASSERT_EQ(ort->size(), 1u);
    ASSERT_EQ((*ort)[0].size(), ours->size());
    for (int64_t i = 0; i < ours->size(); ++i) {
      ASSERT_NEAR((*ort)[0][i], (*ours)[i], 1e-5 * std::fabs((*ours)[i]) + 1e-6)
          << "element " << i;
    }

    absl::StatusOr<OnnxLayer> layer = OnnxLayer::FromBytes(*bytes, c.name);
    ASSERT_TRUE(layer.ok()) << layer.status();
    Sequential imported(layer->input_shape(), /*seed=*/2);
    imported.Add(*std::move(layer), "imported");
    absl::StatusOr<Tensor> back = imported.Predict(test);
    ASSERT_TRUE(back.ok()) << back.status();
    for (int64_t i = 0; i < ours->size(); ++i) {
      ASSERT_EQ((*back)[i], (*ours)[i]) << "element " << i;
    }
  }
}

}  // namespace
}  // namespace dagrad
