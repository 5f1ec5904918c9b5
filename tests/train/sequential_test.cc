// Trains small models on separable synthetic data: every layer type and
// every optimizer must reach high accuracy in a few epochs.
#include "train/sequential.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/pooling.h"
#include "tests/train/synthetic_data.h"

namespace dagrad {
namespace {

FitOptions QuickFit(OptimizerKind optimizer, float lr, int epochs = 8) {
  FitOptions fit;
  fit.epochs = epochs;
  fit.batch_size = 16;
  fit.optimizer = optimizer;
  fit.lr = lr;
  fit.optimizer_options.momentum = 0.9f;
  fit.verbose = false;
  return fit;
}

void ExpectLearns(Sequential* model, const FitOptions& fit,
                  double min_accuracy = 0.95) {
  const Dataset train = QuadrantData(320, 8, /*seed=*/1);
  const Dataset valid = QuadrantData(200, 8, /*seed=*/2);
  absl::StatusOr<History> history = model->Fit(train, &valid, fit);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_FALSE(history->epochs.empty());
  EXPECT_LT(history->epochs.back().train_loss,
            history->epochs.front().train_loss);
  absl::StatusOr<EvalResult> eval = model->Evaluate(valid, 64);
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_GE(eval->accuracy, min_accuracy) << "loss " << eval->loss;
  EXPECT_EQ(eval->examples, 200);
}

TEST(SequentialTest, DenseMlpWithEachOptimizer) {
  struct Case {
    OptimizerKind optimizer;
    float lr;
  };
  for (const Case& c :
       {Case{OptimizerKind::kSgd, 0.5f}, Case{OptimizerKind::kMomentum, 0.05f},
        Case{OptimizerKind::kNesterov, 0.05f},
        Case{OptimizerKind::kRmsProp, 0.003f},
        Case{OptimizerKind::kAdam, 0.003f},
        Case{OptimizerKind::kAdamW, 0.003f}}) {
    SCOPED_TRACE(OptimizerKindName(c.optimizer));
    Sequential model(Shape({1, 8, 8}), /*seed=*/3);
    model.Add(Flatten());
    model.Add(Dense(16, Activation::kTanh));
    model.Add(Dense(4, Activation::kSoftmax));
    ExpectLearns(&model, QuickFit(c.optimizer, c.lr));
  }
}

TEST(SequentialTest, SigmoidMlpWithWeightDecay) {
  Sequential model(Shape({64}), /*seed=*/4);
  model.Add(Dense(16, Activation::kSigmoid));
  model.Add(Dense(4));
  FitOptions fit = QuickFit(OptimizerKind::kMomentum, 0.1f, 10);
  fit.optimizer_options.weight_decay = 1e-4f;
  ExpectLearns(&model, fit);
}

TEST(SequentialTest, ConvMaxPoolNet) {
  Sequential model(Shape({1, 8, 8}), /*seed=*/5);
  Conv2DOptions same;
  same.attrs.padding = Padding::kSame;
  same.activation = Activation::kRelu;
  model.Add(Conv2D(4, 3, same));
  model.Add(MaxPool2D(2));
  model.Add(Flatten());
  model.Add(Dense(4));
  ExpectLearns(&model, QuickFit(OptimizerKind::kAdam, 0.01f));
}

TEST(SequentialTest, ConvMeanPoolStridedDilatedGrouped) {
  Sequential model(Shape({1, 8, 8}), /*seed=*/6);
  Conv2DOptions first;
  first.activation = Activation::kRelu;
  first.SetPadding(1);
  model.Add(Conv2D(4, 3, first));
  Conv2DOptions grouped;
  grouped.attrs.groups = 2;
  grouped.SetDilation(2);
  grouped.SetPadding(2);
  grouped.activation = Activation::kRelu;
  model.Add(Conv2D(4, 3, grouped));
  PoolOptions overlap;
  overlap.stride = 2;
  model.Add(MeanPool2D(3, overlap));
  model.Add(Flatten());
  model.Add(Dense(4));
  ExpectLearns(&model, QuickFit(OptimizerKind::kAdam, 0.01f));
}

TEST(SequentialTest, DepthwiseSeparableConv) {
  Sequential model(Shape({1, 8, 8}), /*seed=*/7);
  Conv2DOptions first;
  first.activation = Activation::kRelu;
  model.Add(Conv2D(4, 3, first));
  Conv2DOptions separable;
  separable.attrs.padding = Padding::kSame;
  separable.activation = Activation::kRelu;
  model.Add(DepthwiseSeparableConv2D(8, 3, separable));
  model.Add(MaxPool2D(2));
  model.Add(Flatten());
  model.Add(Dense(4));
  ExpectLearns(&model, QuickFit(OptimizerKind::kAdam, 0.01f));
}

TEST(SequentialTest, BatchNormAndDropout) {
  Sequential model(Shape({1, 8, 8}), /*seed=*/8);
  Conv2DOptions conv;
  conv.use_bias = false;
  model.Add(Conv2D(4, 3, conv));
  model.Add(BatchNorm());
  model.Add(ActivationLayer(Activation::kRelu));
  model.Add(Flatten());
  model.Add(Dense(16));
  model.Add(BatchNorm());
  model.Add(ActivationLayer(Activation::kRelu));
  model.Add(Dropout(0.2f));
  model.Add(Dense(4));
  ExpectLearns(&model, QuickFit(OptimizerKind::kAdam, 0.01f));
}

TEST(SequentialTest, OtherLosses) {
  for (Loss loss : {Loss::kCrossEntropy, Loss::kMeanSquaredError,
                    Loss::kSigmoidBinaryCrossEntropy}) {
    SCOPED_TRACE(static_cast<int>(loss));
    Sequential model(Shape({64}), /*seed=*/9);
    model.Add(Dense(16, Activation::kTanh));
    model.Add(Dense(4, loss == Loss::kCrossEntropy ? Activation::kSoftmax
                                                   : Activation::kNone));
    FitOptions fit = QuickFit(OptimizerKind::kAdam, 0.01f);
    fit.loss = loss;
    ExpectLearns(&model, fit);
  }
}

TEST(SequentialTest, LayerErrorsNameTheLayer) {
  Sequential model(Shape({1, 8, 8}));
  model.Add(Dense(10));  // rank-4 input without Flatten
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(model.status().message(), "dense_1"))
      << model.status();
  EXPECT_TRUE(absl::StrContains(model.status().message(), "Flatten"));
  // Sticky: later calls report the same error.
  model.Add(Dense(4));
  const Dataset data = QuadrantData(8, 8, 1);
  EXPECT_EQ(
      model.Fit(data, nullptr, QuickFit(OptimizerKind::kSgd, 0.1f)).status(),
      model.status());
}

TEST(SequentialTest, BadFitOptionsAreErrors) {
  Sequential model(Shape({64}));
  model.Add(Dense(4));
  const Dataset data = QuadrantData(8, 8, 1);
  FitOptions fit = QuickFit(OptimizerKind::kSgd, 0.1f);
  fit.batch_size = 0;
  absl::Status s = model.Fit(data, nullptr, fit).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "batch_size")) << s;
  fit = QuickFit(OptimizerKind::kSgd, -1.0f);
  s = model.Fit(data, nullptr, fit).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "lr")) << s;
  // The optimizer is a typed kind; its options are still checked.
  fit = QuickFit(OptimizerKind::kMomentum, 0.1f);
  fit.optimizer_options.momentum = 1.5f;
  s = model.Fit(data, nullptr, fit).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "momentum")) << s;
}

TEST(SequentialTest, LabelsOutOfRangeAreErrors) {
  Sequential model(Shape({64}));
  model.Add(Dense(4));
  Dataset data = QuadrantData(8, 8, 1);
  data.labels.data()[5] = 7;  // 4 classes
  absl::Status s =
      model.Fit(data, nullptr, QuickFit(OptimizerKind::kSgd, 0.1f)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "7")) << s;
}

TEST(SequentialTest, PredictMatchesEvaluateAccuracy) {
  Sequential model(Shape({64}), 10);
  model.Add(Dense(4, Activation::kSoftmax));
  const Dataset train = QuadrantData(160, 8, 1);
  ASSERT_TRUE(
      model.Fit(train, nullptr, QuickFit(OptimizerKind::kAdam, 0.01f, 5)).ok());
  absl::StatusOr<Tensor> probs = model.Predict(train.images, 50);
  ASSERT_TRUE(probs.ok()) << probs.status();
  ASSERT_EQ(probs->shape(), Shape({160, 4}));
  int64_t correct = 0;
  for (int64_t i = 0; i < 160; ++i) {
    const float* row = probs->data() + 4 * i;
    float sum = 0;
    int best = 0;
    for (int c = 0; c < 4; ++c) {
      sum += row[c];
      if (row[c] > row[best]) best = c;
    }
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
    correct += best == static_cast<int>(train.labels.data()[i]);
  }
  absl::StatusOr<EvalResult> eval = model.Evaluate(train, 33);
  ASSERT_TRUE(eval.ok());
  EXPECT_DOUBLE_EQ(eval->accuracy, correct / 160.0);
}

}  // namespace
}  // namespace dagrad
