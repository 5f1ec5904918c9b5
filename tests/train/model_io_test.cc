// tests/train/model_io_test.cc: a model checkpoint's contents: the round
// trip of the counters and the optimizer state (a step count beyond float
// precision included), version-1 checkpoints, another model's checkpoint,
// and optimizer state held until the optimizer exists.
#include "train/model_io.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/checkpoint.h"

namespace dagrad {
namespace {

// kBigStep is a step count a float cannot hold.
constexpr int64_t kBigStep = (int64_t{1} << 25) + 1;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

// Model is two parameters and their gradients.
struct Model {
  Tensor w = Tensor::FromValues(Shape({2, 2}), {1, 2, 3, 4});
  Tensor b = Tensor::FromValues(Shape({2}), {-1, 1});
  Tensor gw = Tensor::FromValues(Shape({2, 2}), {0.5f, -0.5f, 0.25f, 1});
  Tensor gb = Tensor::FromValues(Shape({2}), {0.1f, 0.2f});
  ModelParameters parameters() { return {{"dense/W", &w}, {"dense/b", &b}}; }
  std::vector<ParamSlot> slots() {
    return {{"dense/W", &w, &gw}, {"dense/b", &b, &gb}};
  }
};

TEST(ModelIoTest, RoundTripsAPartialEpochBitExactly) {
  Model model;
  TrainingCounters counters{3, 40, 5};
  counters.partial_epoch = {7, 84, 61, 1.0 / 3.0};
  Checkpoint ckpt =
      EncodeModelCheckpoint(model.parameters(), counters, nullptr);
  absl::StatusOr<ModelCheckpoint> back =
      DecodeModelCheckpoint(std::move(ckpt), model.parameters(), "p.ckpt");
  ASSERT_TRUE(back.ok()) << back.status();
  const EpochProgress& p = back->counters.partial_epoch;
  EXPECT_EQ(p.batches, 7);
  EXPECT_EQ(p.examples, 84);
  EXPECT_EQ(p.correct, 61);
  EXPECT_EQ(p.loss_sum, counters.partial_epoch.loss_sum);
  // Between epochs nothing is written, and a half-written set is refused.
  counters.partial_epoch = {};
  Checkpoint between =
      EncodeModelCheckpoint(model.parameters(), counters, nullptr);
  EXPECT_EQ(between.FindInteger("epoch_batches"), nullptr);
  between.integers.push_back({"epoch_batches", 2});
  absl::StatusOr<ModelCheckpoint> half =
      DecodeModelCheckpoint(std::move(between), model.parameters(), "h.ckpt");
  EXPECT_FALSE(half.ok());
  EXPECT_TRUE(absl::StrContains(half.status().message(), "h.ckpt"));
}

TEST(ModelIoTest, EnsureRebuildsForNewOptionsAndKeepsTheState) {
  Model model;
  ResumableOptimizer optimizer;
  OptimizerOptions options;
  ASSERT_TRUE(
      optimizer.Ensure(OptimizerKind::kMomentum, options, model.slots()).ok());
  ASSERT_TRUE(optimizer.get()->Step(model.slots(), 0.1f).ok());
  const OptimizerState before = optimizer.get()->ExportState();
  options.momentum = 0.5f;
  ASSERT_TRUE(
      optimizer.Ensure(OptimizerKind::kMomentum, options, model.slots()).ok());
  const OptimizerState after = optimizer.get()->ExportState();
  EXPECT_EQ(after.steps, 1);
  ASSERT_EQ(after.tensors.size(), before.tensors.size());
  for (size_t i = 0; i < after.tensors.size(); ++i) {
    EXPECT_EQ(after.tensors[i].tensor.flat(), before.tensors[i].tensor.flat());
  }
  Optimizer* kept = optimizer.get();
  options.momentum = 5.0f;
  EXPECT_FALSE(
      optimizer.Ensure(OptimizerKind::kMomentum, options, model.slots()).ok());
  EXPECT_EQ(optimizer.get(), kept);
  ASSERT_TRUE(
      optimizer.Ensure(OptimizerKind::kAdam, OptimizerOptions{}, model.slots())
          .ok());
  EXPECT_EQ(optimizer.get()->kind(), OptimizerKind::kAdam);
  EXPECT_EQ(optimizer.get()->steps(), 0);
}

TEST(ModelIoTest, RoundTripsCountersAndABigStepCount) {
  Model model;
  std::unique_ptr<Optimizer> adam =
      *MakeOptimizer(OptimizerKind::kAdam, OptimizerOptions{});
  ASSERT_TRUE(adam->Init(model.slots()).ok());
  ASSERT_TRUE(adam->Step(model.slots(), 0.1f).ok());
  OptimizerState state = adam->ExportState();
  state.steps = kBigStep;
  ASSERT_TRUE(adam->ImportState(state).ok());
  const TrainingCounters counters{7, kBigStep, 0xFFFFFFFFFFFFFFFFull};
  const std::string path = TempPath("model_io.ckpt");
  ASSERT_TRUE(WriteCheckpoint(path, EncodeModelCheckpoint(model.parameters(),
                                                          counters, adam.get()))
                  .ok());
  absl::StatusOr<Checkpoint> ckpt = ReadCheckpoint(path);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  ASSERT_NE(ckpt->FindInteger("optimizer/step"), nullptr);
  EXPECT_EQ(*ckpt->FindInteger("optimizer/step"), kBigStep);
  EXPECT_EQ(ckpt->FindTensor("optimizer/step"), nullptr);

  Model other;
  absl::StatusOr<ModelCheckpoint> back =
      DecodeModelCheckpoint(*std::move(ckpt), other.parameters(), path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->counters.epochs_done, 7);
  EXPECT_EQ(back->counters.steps_done, kBigStep);
  EXPECT_EQ(back->counters.seed, 0xFFFFFFFFFFFFFFFFull);
  ASSERT_EQ(back->parameters.size(), 2u);
  EXPECT_EQ(back->parameters[0].name, "dense/W");
  EXPECT_EQ(back->parameters[0].tensor[3], model.w[3]);
  ASSERT_EQ(back->optimizer, OptimizerKind::kAdam);
  ASSERT_TRUE(back->optimizer_state.has_value());
  EXPECT_EQ(back->optimizer_state->steps, kBigStep);
  EXPECT_EQ(back->optimizer_state->tensors.size(), 4u);  // 2 slots each.

  // Restored into a fresh optimizer, it continues from the same step.
  ResumableOptimizer resumed;
  ASSERT_TRUE(
      resumed.Restore(back->optimizer, *std::move(back->optimizer_state), path)
          .ok());
  ASSERT_TRUE(
      resumed.Ensure(OptimizerKind::kAdam, OptimizerOptions{}, other.slots())
          .ok());
  EXPECT_EQ(resumed.get()->steps(), kBigStep);
}

TEST(ModelIoTest, ReadsVersion1Checkpoints) {
  // Version 1: counters as strings, the step count as a float tensor.
  Model model;
  Checkpoint v1;
  v1.metadata = {{"format", "dagrad.Sequential"},
                 {"epochs_done", "3"},
                 {"steps_done", "120"},
                 {"optimizer", "momentum"},
                 {"seed", "5"}};
  v1.tensors.push_back({"dense/W", model.w.Clone()});
  v1.tensors.push_back({"dense/b", model.b.Clone()});
  v1.tensors.push_back({"optimizer/dense/W/velocity", model.gw.Clone()});
  v1.tensors.push_back({"optimizer/dense/b/velocity", model.gb.Clone()});
  v1.tensors.push_back(
      {"optimizer/step", Tensor::FromValues(Shape({1}), {120.0f})});
  absl::StatusOr<ModelCheckpoint> back =
      DecodeModelCheckpoint(std::move(v1), model.parameters(), "v1.ckpt");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->counters.epochs_done, 3);
  EXPECT_EQ(back->counters.steps_done, 120);
  EXPECT_EQ(back->counters.seed, 5u);
  EXPECT_EQ(back->optimizer, OptimizerKind::kMomentum);
  ASSERT_TRUE(back->optimizer_state.has_value());
  EXPECT_EQ(back->optimizer_state->steps, 120);
  ASSERT_EQ(back->optimizer_state->tensors.size(), 2u);
  EXPECT_EQ(back->optimizer_state->tensors[0].name, "dense/W/velocity");
  EXPECT_EQ(back->parameters.size(), 2u);
}

TEST(ModelIoTest, AnotherModelsCheckpointIsAClearError) {
  Model model;
  const TrainingCounters counters;
  Checkpoint ckpt =
      EncodeModelCheckpoint(model.parameters(), counters, nullptr);
  ckpt.tensors.push_back({"dense_2/W", Tensor::Zeros(Shape({3}))});
  absl::StatusOr<ModelCheckpoint> extra =
      DecodeModelCheckpoint(std::move(ckpt), model.parameters(), "x.ckpt");
  EXPECT_EQ(extra.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(extra.status().message(), "dense_2/W"))
      << extra.status();
  EXPECT_TRUE(absl::StrContains(extra.status().message(), "x.ckpt"));

  Checkpoint no_counters =
      EncodeModelCheckpoint(model.parameters(), counters, nullptr);
  no_counters.integers.clear();
  absl::StatusOr<ModelCheckpoint> bad = DecodeModelCheckpoint(
      std::move(no_counters), model.parameters(), "y.ckpt");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "steps_done"))
      << bad.status();
}

// SgdState() is SGD's state (no tensors) after `steps` steps.
OptimizerState SgdState(int64_t steps) {
  OptimizerState state;
  state.steps = steps;
  return state;
}

TEST(ModelIoTest, HeldStateOfAnotherKindIsAnErrorAtEnsure) {
  Model model;
  ResumableOptimizer optimizer;
  EXPECT_EQ(optimizer.get(), nullptr);
  ASSERT_TRUE(
      optimizer.Restore(OptimizerKind::kSgd, SgdState(4), "a.ckpt").ok());
  absl::Status s =
      optimizer.Ensure(OptimizerKind::kAdam, OptimizerOptions{}, model.slots());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "sgd")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "adam")) << s;

  // With an optimizer, state of another kind is refused at once.
  ResumableOptimizer sgd;
  ASSERT_TRUE(
      sgd.Ensure(OptimizerKind::kSgd, OptimizerOptions{}, model.slots()).ok());
  s = sgd.Restore(OptimizerKind::kMomentum, SgdState(4), "b.ckpt");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "b.ckpt")) << s;
  EXPECT_EQ(sgd.get()->steps(), 0);
  ASSERT_TRUE(sgd.Restore(OptimizerKind::kSgd, SgdState(4), "b.ckpt").ok());
  EXPECT_EQ(sgd.get()->steps(), 4);
}

}  // namespace
}  // namespace dagrad
