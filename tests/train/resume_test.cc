// Checkpoints through Sequential: bit-exact round trips, resumed training
// identical to uninterrupted training, determinism across thread counts, and
// clear errors for a checkpoint of another model.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/pooling.h"
#include "tests/train/synthetic_data.h"
#include "train/callbacks.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

void BuildNet(Sequential* model) {
  Conv2DOptions conv;
  conv.attrs.padding = Padding::kSame;
  conv.activation = Activation::kRelu;
  model->Add(Conv2D(3, 3, conv));
  model->Add(MaxPool2D(2));
  model->Add(Flatten());
  model->Add(Dense(12, Activation::kRelu));
  model->Add(Dropout(0.25f));
  model->Add(Dense(4));
}

FitOptions Options(int epochs, int threads = 1) {
  FitOptions fit;
  fit.epochs = epochs;
  fit.batch_size = 12;  // 100 examples: a partial last batch every epoch.
  fit.optimizer = OptimizerKind::kAdam;
  fit.lr = 0.01f;
  fit.num_threads = threads;
  fit.verbose = false;
  return fit;
}

std::vector<double> Losses(const History& h) {
  std::vector<double> out;
  for (const EpochStats& e : h.epochs) {
    out.push_back(e.train_loss);
    out.push_back(e.valid_loss);
  }
  return out;
}

// StraightLosses() trains BuildNet() from `seed` for 4 uninterrupted
// epochs and returns Losses() of it.
std::vector<double> StraightLosses(uint64_t seed, const Dataset& train,
                                   const Dataset& valid) {
  Sequential straight(Shape({1, 8, 8}), seed);
  BuildNet(&straight);
  absl::StatusOr<History> all = straight.Fit(train, &valid, Options(4));
  EXPECT_TRUE(all.ok()) << all.status();
  return all.ok() ? Losses(*all) : std::vector<double>();
}

TEST(ResumeTest, ResumedTrainingContinuesWithIdenticalLosses) {
  const Dataset train = QuadrantData(100, 8, 1);
  const Dataset valid = QuadrantData(40, 8, 2);
  const std::vector<double> expected = StraightLosses(11, train, valid);

  Sequential first(Shape({1, 8, 8}), /*seed=*/11);
  BuildNet(&first);
  absl::StatusOr<History> half = first.Fit(train, &valid, Options(2));
  ASSERT_TRUE(half.ok()) << half.status();
  const std::string path = TempPath("resume.ckpt");
  ASSERT_TRUE(first.Save(path).ok());

  Sequential resumed(Shape({1, 8, 8}), /*seed=*/99);  // other init, overwritten
  BuildNet(&resumed);
  ASSERT_TRUE(resumed.Compile(Loss::kSoftmaxCrossEntropy).ok());
  absl::Status loaded = resumed.Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded;
  EXPECT_EQ(resumed.epochs_done(), 2);
  absl::StatusOr<History> rest = resumed.Fit(train, &valid, Options(2));
  ASSERT_TRUE(rest.ok()) << rest.status();

  std::vector<double> got = Losses(*half);
  for (double l : Losses(*rest)) got.push_back(l);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], expected[i]) << "value " << i;
  }
}

// RaiseAfter raises `flag` at the end of epoch `epoch`, as a signal handler
// would between two steps.
class RaiseAfter : public Callback {
 public:
  RaiseAfter(int epoch, std::atomic<bool>* flag) : epoch_(epoch), flag_(flag) {}
  absl::StatusOr<CallbackAction> OnEpochEnd(const EpochStats& stats,
                                            Sequential*) override {
    if (stats.epoch == epoch_) flag_->store(true);
    return CallbackAction::kContinue;
  }

 private:
  int epoch_;
  std::atomic<bool>* flag_;
};

TEST(ResumeTest, InterruptedFitSavedAndResumedHasIdenticalLosses) {
  const Dataset train = QuadrantData(100, 8, 1);
  const Dataset valid = QuadrantData(40, 8, 2);
  const std::vector<double> expected = StraightLosses(12, train, valid);

  std::atomic<bool> interrupt{false};
  RaiseAfter raise(2, &interrupt);
  const std::string path = TempPath("interrupted.ckpt");
  PeriodicCheckpoint periodic(path, 1);
  Sequential first(Shape({1, 8, 8}), /*seed=*/12);
  BuildNet(&first);
  FitOptions fit = Options(4);
  fit.interrupt = &interrupt;
  fit.callbacks = {&periodic, &raise};
  absl::StatusOr<History> cut = first.Fit(train, &valid, fit);
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kCancelled) << cut.status();
  EXPECT_TRUE(absl::StrContains(cut.status().message(), "interrupted"));
  EXPECT_EQ(first.epochs_done(), 2);
  EXPECT_EQ(periodic.saves(), 2);

  Sequential resumed(Shape({1, 8, 8}), /*seed=*/12);
  BuildNet(&resumed);
  ASSERT_TRUE(resumed.Load(path).ok());
  absl::StatusOr<History> rest = resumed.Fit(train, &valid, Options(2));
  ASSERT_TRUE(rest.ok()) << rest.status();
  const std::vector<double> got = Losses(*rest);
  ASSERT_EQ(got.size(), 4u);
  ASSERT_EQ(expected.size(), 8u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], expected[i + 4]) << "value " << i;
  }
}

TEST(ResumeTest, CheckpointRoundTripsBitExactly) {
  Sequential a(Shape({1, 8, 8}), 21);
  BuildNet(&a);
  const Dataset train = QuadrantData(40, 8, 1);
  ASSERT_TRUE(a.Fit(train, nullptr, Options(1)).ok());
  const std::string path = TempPath("roundtrip.ckpt");
  ASSERT_TRUE(a.Save(path).ok());
  Sequential b(Shape({1, 8, 8}), 22);
  BuildNet(&b);
  ASSERT_TRUE(b.Load(path).ok());
  int compared = 0;
  for (const auto& [name, value] : a.parameters()->Items()) {
    const Tensor* other = b.parameters()->Find(name);
    ASSERT_NE(other, nullptr) << name;
    ASSERT_EQ(other->shape(), value->shape());
    EXPECT_EQ(std::memcmp(other->data(), value->data(),
                          sizeof(float) * value->size()),
              0)
        << name;
    ++compared;
  }
  EXPECT_EQ(compared, 6);  // conv W, b; two dense W, b
}

TEST(ResumeTest, SameSeedSameLossesAtOneAndTwoThreads) {
  const Dataset train = QuadrantData(100, 8, 1);
  const Dataset valid = QuadrantData(40, 8, 2);
  std::vector<double> losses[2];
  for (int threads : {1, 2}) {
    Sequential model(Shape({1, 8, 8}), 31);
    BuildNet(&model);
    absl::StatusOr<History> h = model.Fit(train, &valid, Options(2, threads));
    ASSERT_TRUE(h.ok()) << h.status();
    losses[threads - 1] = Losses(*h);
  }
  EXPECT_EQ(losses[0], losses[1]);
}

TEST(ResumeTest, CheckpointOfAnotherModelIsAClearError) {
  Sequential a(Shape({1, 8, 8}), 41);
  BuildNet(&a);
  const std::string path = TempPath("other.ckpt");
  ASSERT_TRUE(a.Compile(Loss::kSoftmaxCrossEntropy).ok());
  ASSERT_TRUE(a.Save(path).ok());

  Sequential wider(Shape({1, 8, 8}), 41);
  Conv2DOptions conv;
  conv.attrs.padding = Padding::kSame;
  wider.Add(Conv2D(5, 3, conv));  // 5 filters, not 3
  wider.Add(MaxPool2D(2));
  wider.Add(Flatten());
  wider.Add(Dense(12, Activation::kRelu));
  wider.Add(Dropout(0.25f));
  wider.Add(Dense(4));
  absl::Status s = wider.Load(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "conv2d_1/W")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "[3,1,3,3]")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "[5,1,3,3]")) << s;

  Sequential mlp(Shape({1, 8, 8}), 41);
  mlp.Add(Flatten());
  mlp.Add(Dense(4));
  s = mlp.Load(path);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "another model")) << s;
}

}  // namespace
}  // namespace dagrad
