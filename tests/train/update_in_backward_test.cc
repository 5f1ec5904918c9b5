// FitOptions::update_in_backward (train/trainer.h): each parameter updated
// in the reverse pass as soon as its gradient is final trains bitwise as the
// update after the pass does (every optimizer, LeNet-5 and an MLP with
// Dropout and BatchNorm, 1 and 2 threads, with a memory budget too); the
// arena then holds no gradient to the end, which lets the deep MLP of
// issue 16 (10 layers of 1024, batch 512) fit in 40% of its plan; it needs
// one shard in one process; a step stopped at a non-finite gradient after
// some updates says so, and the model refuses to save or train until a
// checkpoint is loaded.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "layers/batch_norm.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "models/model_zoo.h"
#include "tests/train/synthetic_data.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

using Build = std::function<void(Sequential*)>;

void SmallMlp(Sequential* m) {
  m->Add(Flatten());
  m->Add(Dense(32, Activation::kRelu));
  m->Add(Dropout(0.25f));
  m->Add(Dense(16, Activation::kTanh));
  m->Add(BatchNorm());
  m->Add(Dense(4));
}

void DeepMlp(Sequential* m) {
  m->Add(Flatten());
  for (int i = 0; i < 10; ++i) m->Add(Dense(1024, Activation::kRelu));
  m->Add(Dense(10));
}

// Trained is what `steps` training steps left: each step's loss and every
// parameter at the end, and the training arena's planned bytes.
struct Trained {
  std::vector<float> losses;
  std::vector<std::pair<std::string, Tensor>> params;
  int64_t planned = 0;
};

Trained Train(const Build& build, const Dataset& data, FitOptions fit,
              int steps, const Shape& input = Shape({1, 28, 28})) {
  Sequential model(input, /*seed=*/3);
  build(&model);
  Trained out;
  for (int s = 0; s < steps; ++s) {
    absl::StatusOr<StepResult> r =
        model.TrainStep(data.images, data.labels, fit, fit.lr);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return out;
    out.losses.push_back(r->loss);
  }
  for (auto& [name, value] : model.parameters()->Items()) {
    out.params.emplace_back(name, value->Clone());
  }
  absl::StatusOr<Executor*> e = model.GetExecutor(
      ExecutorMode::kTrain, data.labels.size(), fit.num_threads,
      fit.memory_budget_bytes, fit.update_in_backward);
  EXPECT_TRUE(e.ok()) << e.status();
  if (e.ok()) out.planned = (*e)->plan().peak_bytes;
  return out;
}

void ExpectSameBits(const Trained& a, const Trained& b) {
  ASSERT_EQ(a.losses.size(), b.losses.size());
  for (size_t s = 0; s < a.losses.size(); ++s) {
    EXPECT_EQ(std::memcmp(&a.losses[s], &b.losses[s], sizeof(float)), 0)
        << "step " << s << ": " << a.losses[s] << " vs " << b.losses[s];
  }
  ASSERT_EQ(a.params.size(), b.params.size());
  for (size_t i = 0; i < a.params.size(); ++i) {
    const Tensor& x = a.params[i].second;
    const Tensor& y = b.params[i].second;
    ASSERT_EQ(x.shape(), y.shape()) << a.params[i].first;
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0)
        << a.params[i].first;
  }
}

TEST(UpdateInBackwardTest, TrainsBitwiseAsTheUpdateAfterThePass) {
  const std::vector<std::pair<const char*, Build>> models = {
      {"lenet5", [](Sequential* m) { AddLeNet5(m); }},
      {"mlp", SmallMlp},
  };
  const Dataset data = QuadrantData(16, 28, 7);
  for (const auto& [name, build] : models) {
    for (OptimizerKind kind :
         {OptimizerKind::kSgd, OptimizerKind::kNesterov,
          OptimizerKind::kRmsProp, OptimizerKind::kAdamW}) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(testing::Message() << name << " " << OptimizerKindName(kind)
                                        << " threads " << threads);
        FitOptions fit;
        fit.optimizer = kind;
        fit.optimizer_options.weight_decay = 1e-3f;
        fit.lr = kind == OptimizerKind::kSgd ? 0.05f : 0.005f;
        fit.num_threads = threads;
        fit.reduction_shards = 1;
        const Trained after = Train(build, data, fit, 3);
        fit.update_in_backward = true;
        fit.reduction_shards = 0;  // Means 1 with update_in_backward.
        const Trained during = Train(build, data, fit, 3);
        ExpectSameBits(after, during);
        EXPECT_LE(during.planned, after.planned);
      }
    }
  }
}

// With a memory budget the rematerialized reverse pass reads parameters in
// recomputed nodes too; the updates wait for them.
TEST(UpdateInBackwardTest, UnderAMemoryBudgetTrainsBitwiseTheSame) {
  // Activations dominate: 8x8 images (a rank-1 input [64] takes them
  // flattened), 6 layers of 128, batch 256.
  const Shape in({64});
  const Dataset data = QuadrantData(256, 8, 8);
  const Build mlp = [](Sequential* m) {
    for (int i = 0; i < 6; ++i) m->Add(Dense(128, Activation::kRelu));
    m->Add(Dense(4));
  };
  FitOptions fit;
  fit.optimizer = OptimizerKind::kAdam;
  fit.lr = 0.01f;
  fit.reduction_shards = 1;
  const Trained plain = Train(mlp, data, fit, 3, in);
  fit.update_in_backward = true;
  const Trained unbudgeted = Train(mlp, data, fit, 3, in);
  fit.memory_budget_bytes = unbudgeted.planned * 3 / 4;
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    fit.num_threads = threads;
    const Trained budgeted = Train(mlp, data, fit, 3, in);
    ExpectSameBits(plain, budgeted);
    EXPECT_LE(budgeted.planned, fit.memory_budget_bytes);
  }
  // No gradient lives to the end of the pass.
  EXPECT_LT(unbudgeted.planned, plain.planned);
}

// The deep MLP of issue 16: holding its 41 MB of gradients to the end of
// the pass, its arena cannot go below 97% of its plan (rematerialize_test);
// with each gradient dying at its update it fits in 40%, and trains there
// to the same bits.
TEST(UpdateInBackwardTest, DeepMlpBatch512FitsInFortyPercentOfItsPlan) {
  Sequential plain(Shape({1, 28, 28}));
  DeepMlp(&plain);
  ASSERT_TRUE(plain.Compile(Loss::kSoftmaxCrossEntropy).ok());
  absl::StatusOr<Executor*> full =
      plain.GetExecutor(ExecutorMode::kTrain, 512, 1);
  ASSERT_TRUE(full.ok()) << full.status();
  const int64_t plan = (*full)->plan().peak_bytes;
  absl::StatusOr<Executor*> consumed =
      plain.GetExecutor(ExecutorMode::kTrain, 512, 1, 0, true);
  ASSERT_TRUE(consumed.ok()) << consumed.status();
  const int64_t budget = plan * 2 / 5;
  absl::StatusOr<Executor*> fits =
      plain.GetExecutor(ExecutorMode::kTrain, 512, 1, budget, true);
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_LE((*fits)->plan().peak_bytes, budget);
  std::printf(
      "deep mlp batch 512: plan %lld bytes; gradients consumed %lld; at "
      "40%% (%lld): %s\n",
      static_cast<long long>(plan),
      static_cast<long long>((*consumed)->plan().peak_bytes),
      static_cast<long long>(budget),
      (*fits)->rematerialization().Summary().c_str());

  const Dataset data = QuadrantData(512, 28, 9);
  FitOptions fit;
  fit.optimizer = OptimizerKind::kMomentum;
  fit.lr = 0.01f;
  fit.reduction_shards = 1;
  const Trained after = Train(DeepMlp, data, fit, 2);
  fit.update_in_backward = true;
  fit.memory_budget_bytes = budget;
  const Trained during = Train(DeepMlp, data, fit, 2);
  ExpectSameBits(after, during);
  EXPECT_LE(during.planned, budget);
}

TEST(UpdateInBackwardTest, NeedsOneShardInOneProcess) {
  Sequential model(Shape({1, 28, 28}));
  SmallMlp(&model);
  const Dataset data = QuadrantData(8, 28, 1);
  FitOptions fit;
  fit.update_in_backward = true;
  fit.reduction_shards = 2;
  fit.verbose = false;
  absl::StatusOr<History> h = model.Fit(data, nullptr, fit);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(h.status().message(), "one gradient shard"))
      << h.status();
  EXPECT_EQ(model.steps_done(), 0);
  fit.reduction_shards = 0;
  h = model.Fit(data, nullptr, fit);
  EXPECT_TRUE(h.ok()) << h.status();
}

// A linear model fed one huge (finite) input, its first layer's weights
// tiny and its last layer's large: the loss and the last layer's gradients
// are finite, the first layer's weight gradient (huge input times a
// gradient above 1) overflows. Under update_in_backward the last layer is
// updated before that gradient exists.
TEST(UpdateInBackwardTest, NonFiniteGradientAfterSomeUpdatesIsReported) {
  auto make = [](Sequential* m) {
    m->Add(Dense(4));
    m->Add(Dense(10));
    ASSERT_TRUE(m->Compile(Loss::kSoftmaxCrossEntropy).ok());
    for (auto& [name, value] : m->parameters()->Items()) {
      if (value->shape() == Shape({4, 4})) {
        for (float& w : value->flat()) w = 1e-30f;
      } else if (value->shape().rank() == 2) {
        for (float& w : value->flat()) w *= 100.0f;
      }
    }
  };
  Tensor images = Tensor::Zeros(Shape({8, 4}));
  Tensor labels = Tensor::Zeros(Shape({8}));
  for (int64_t i = 0; i < 8; ++i) {
    images.data()[i * 4] = 3e38f;
    labels.data()[i] = static_cast<float>(i % 2);
  }
  const std::string ckpt = testing::TempDir() + "/update_in_backward.ckpt";
  FitOptions fit;
  fit.optimizer = OptimizerKind::kMomentum;
  fit.reduction_shards = 1;
  {  // Without it: the gradient is the error, and nothing was updated.
    Sequential model(Shape({4}), /*seed=*/1);
    make(&model);
    absl::StatusOr<StepResult> r = model.TrainStep(images, labels, fit, 0.1f);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(absl::StrContains(r.status().message(), "the gradient of"))
        << r.status();
  }
  Sequential model(Shape({4}), /*seed=*/1);
  make(&model);
  ASSERT_TRUE(model.Save(ckpt).ok());
  Sequential reference(Shape({4}), /*seed=*/1);
  make(&reference);
  fit.update_in_backward = true;
  absl::StatusOr<StepResult> r = model.TrainStep(images, labels, fit, 0.1f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "the gradient of"))
      << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(),
                                "hold this step's update"))
      << r.status();
  EXPECT_EQ(model.steps_done(), 0);
  // Half a step: neither saved nor trained on.
  const absl::Status saved = model.Save(ckpt + ".partial");
  EXPECT_EQ(saved.code(), absl::StatusCode::kFailedPrecondition) << saved;
  const Tensor fine = Tensor::Zeros(Shape({8, 4}));
  r = model.TrainStep(fine, labels, fit, 0.1f);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition)
      << r.status();
  // A checkpoint restores it: it then trains as a model that never failed.
  ASSERT_TRUE(model.Load(ckpt).ok());
  for (Sequential* m : {&model, &reference}) {
    r = m->TrainStep(fine, labels, fit, 0.1f);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  auto a = model.parameters()->Items();
  auto b = reference.parameters()->Items();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::memcmp(a[i].second->data(), b[i].second->data(),
                          a[i].second->size() * sizeof(float)),
              0)
        << a[i].first;
  }
}

}  // namespace
}  // namespace dagrad
