// Proves that a steady-state training step (Sequential::TrainStep: feed,
// forward, reverse pass, optimizer update) performs zero heap allocations,
// for LeNet-5 with momentum SGD, an MLP with Adam and one with dropout, at 1
// and 2 threads, by counting calls to the global operator new.

#include "core/random.h"
#include "gtest/gtest.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "models/model_zoo.h"
#include "tests/testing/counting_allocator.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

void ExpectNoAllocationsPerStep(Sequential* model, OptimizerKind optimizer,
                                int64_t batch, int threads) {
  Tensor images = Tensor::Zeros(Shape({batch, 1, 28, 28}));
  Tensor labels = Tensor::Zeros(Shape({batch}));
  Rng rng(1);
  for (int64_t i = 0; i < images.size(); ++i) images[i] = rng.Uniform();
  for (int64_t i = 0; i < batch; ++i) labels[i] = float(rng.UniformInt(10));
  FitOptions options;
  options.optimizer = optimizer;
  options.num_threads = threads;
  // The first step compiles and creates the executor and the optimizer.
  ASSERT_TRUE(model->TrainStep(images, labels, options, 0.01f).ok());
  ASSERT_TRUE(model->TrainStep(images, labels, options, 0.01f).ok());
  const int64_t before = AllocationCount();
  float last = 0;
  for (int step = 0; step < 5; ++step) {
    absl::StatusOr<StepResult> r =
        model->TrainStep(images, labels, options, 0.01f);
    ASSERT_TRUE(r.ok()) << r.status();
    last = r->loss;
  }
  const int64_t after = AllocationCount();
  EXPECT_EQ(after - before, 0)
      << OptimizerKindName(optimizer) << " at " << threads << " threads";
  // The counter works: an allocation is seen.
  auto* probe = new Tensor(Tensor::Zeros(Shape({3})));
  EXPECT_GT(AllocationCount(), after);
  delete probe;
  EXPECT_GT(last, 0.0f);
}

TEST(TrainStepAllocationsTest, LeNet5Momentum) {
  for (int threads : {1, 2}) {
    Sequential model(Shape({1, 28, 28}), /*seed=*/0);
    AddLeNet5(&model);
    ExpectNoAllocationsPerStep(&model, OptimizerKind::kMomentum, 64, threads);
  }
}

TEST(TrainStepAllocationsTest, MlpWithDropoutAndAdam) {
  for (int threads : {1, 2}) {
    Sequential model(Shape({1, 28, 28}), /*seed=*/0);
    model.Add(Flatten());
    model.Add(Dense(200, Activation::kRelu));
    model.Add(Dropout(0.5f));
    model.Add(Dense(10, Activation::kSoftmax));
    ExpectNoAllocationsPerStep(&model, OptimizerKind::kAdam, 64, threads);
  }
}

}  // namespace
}  // namespace dagrad
