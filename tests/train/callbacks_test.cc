// Early stopping and best-checkpoint saving, on scripted epoch statistics
// and inside a real Fit().
#include "train/callbacks.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "tests/train/synthetic_data.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

EpochStats Stats(int epoch, double valid_loss, double valid_acc) {
  EpochStats s;
  s.epoch = epoch;
  s.has_valid = true;
  s.valid_loss = valid_loss;
  s.valid_acc = valid_acc;
  s.train_loss = 1.0;
  s.train_acc = 0.5;
  return s;
}

TEST(CallbacksTest, EarlyStoppingWaitsPatienceEpochsWithoutImprovement) {
  EarlyStopping stop(Monitor::kValidLoss, /*patience=*/2, /*min_delta=*/0.01);
  const std::vector<double> losses = {0.9, 0.8, 0.795, 0.81};
  std::vector<CallbackAction> actions;
  for (size_t i = 0; i < losses.size(); ++i) {
    actions.push_back(*stop.OnEpochEnd(Stats(i + 1, losses[i], 0), nullptr));
  }
  // 0.795 is not better than 0.8 by more than 0.01: one wait; 0.81: two.
  EXPECT_EQ(actions[2], CallbackAction::kContinue);
  EXPECT_EQ(actions[3], CallbackAction::kStop);
  EXPECT_EQ(stop.stopped_epoch(), 4);
}

TEST(CallbacksTest, AccuracyIsBetterWhenHigher) {
  EXPECT_TRUE(MonitorImproved(Monitor::kValidAcc, 0.9, 0.8, 0.0));
  EXPECT_FALSE(MonitorImproved(Monitor::kValidAcc, 0.8, 0.9, 0.0));
  EXPECT_TRUE(MonitorImproved(Monitor::kValidLoss, 0.3, 0.4, 0.0));
  EarlyStopping stop(Monitor::kValidAcc, /*patience=*/1);
  EXPECT_EQ(*stop.OnEpochEnd(Stats(1, 1, 0.5), nullptr),
            CallbackAction::kContinue);
  EXPECT_EQ(*stop.OnEpochEnd(Stats(2, 1, 0.6), nullptr),
            CallbackAction::kContinue);
  EXPECT_EQ(*stop.OnEpochEnd(Stats(3, 1, 0.55), nullptr),
            CallbackAction::kStop);
}

TEST(CallbacksTest, InsideFitEarlyStoppingEndsTrainingAndTheBestIsSaved) {
  Sequential model(Shape({1, 8, 8}), /*seed=*/2);
  model.Add(Flatten());
  model.Add(Dense(4));
  Dataset train = QuadrantData(64, 8, 1);
  Dataset valid = QuadrantData(32, 8, 2);
  const std::string path =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/best.ckpt");
  // An impossible improvement threshold stops after `patience` epochs.
  EarlyStopping stop(Monitor::kValidLoss, /*patience=*/2, /*min_delta=*/1e9);
  BestCheckpoint best(path, Monitor::kValidAcc);
  FitOptions fit;
  fit.epochs = 10;
  fit.batch_size = 16;
  fit.lr = 0.1f;
  fit.verbose = false;
  fit.callbacks = {&stop, &best};
  absl::StatusOr<History> history = model.Fit(train, &valid, fit);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->epochs.size(), 3u);
  EXPECT_EQ(stop.stopped_epoch(), 3);
  ASSERT_GE(best.best_epoch(), 1);
  // The saved checkpoint holds the best epoch's parameters: a copy of the
  // model loaded from it reaches the recorded best accuracy.
  Sequential copy(Shape({1, 8, 8}), /*seed=*/9);
  copy.Add(Flatten());
  copy.Add(Dense(4));
  ASSERT_TRUE(copy.Load(path).ok());
  absl::StatusOr<EvalResult> eval = copy.Evaluate(valid, 256);
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_DOUBLE_EQ(eval->accuracy, best.best_value());
}

}  // namespace
}  // namespace dagrad
