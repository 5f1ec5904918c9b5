// tests/train/gradient_shards_test.cc: the shard plan, the tree sum of
// weighted shards, and a Trainer step over shards (train/gradient_shards.h).
#include "train/gradient_shards.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "tests/train/synthetic_data.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

TEST(ShardPlanTest, RanksTakeConsecutiveShards) {
  absl::StatusOr<ShardPlan> plan = ShardPlan::Of(4, 2, 1);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->shards, 4);
  EXPECT_EQ(plan->first, 2);
  EXPECT_EQ(plan->count, 2);
  EXPECT_TRUE(plan->note.empty());
  // 64 rows over 4 shards: shard 2 is rows [32, 48).
  EXPECT_EQ(plan->Rows(64, 2).begin, 32);
  EXPECT_EQ(plan->Rows(64, 2).count, 16);
  // A last batch of 5 rows: 2, 1, 1, 1.
  EXPECT_EQ(plan->Rows(5, 0).count, 2);
  EXPECT_EQ(plan->Rows(5, 3).begin, 4);
}

TEST(ShardPlanTest, OneProcessRunsEveryShard) {
  absl::StatusOr<ShardPlan> plan = ShardPlan::Of(3, 1, 0);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->shards, 3);
  EXPECT_EQ(plan->first, 0);
  EXPECT_EQ(plan->count, 3);
}

TEST(ShardPlanTest, ShardsTheRanksCannotSplitBecomeOnePerRank) {
  // 2 shards over 4 ranks, and 6 over 3 (the ranks' pairs [0,2) [2,4)
  // [4,6) are not subtrees of 6 leaves split 3 + 3): one shard per rank.
  for (auto [requested, ranks] : {std::pair{2, 4}, std::pair{6, 3}}) {
    absl::StatusOr<ShardPlan> plan = ShardPlan::Of(requested, ranks, 1);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->shards, ranks);
    EXPECT_EQ(plan->count, 1);
    EXPECT_EQ(plan->first, 1);
    EXPECT_NE(plan->note.find(absl::StrCat("--reduction_shards=", ranks)),
              std::string::npos)
        << plan->note;
  }
  // 8 over 4 and 6 over 2 split into subtrees.
  EXPECT_EQ(ShardPlan::Of(8, 4, 0)->shards, 8);
  EXPECT_EQ(ShardPlan::Of(6, 2, 0)->shards, 6);
}

TEST(ShardPlanTest, FewerThanOneShardIsAnError) {
  absl::StatusOr<ShardPlan> plan = ShardPlan::Of(0, 1, 0);
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("reduction_shards 0"),
            std::string::npos);
}

// Leaf() is shard s's gradient element i: values of very different
// magnitudes, so the order of the sum shows in the bits.
__attribute__((noinline)) float Leaf(int s, int i) {
  return std::ldexp(1.0f, 3 * s - 4) * (1.0f + 0.37f * i) +
         (s % 2 == 0 ? 1.0f : -1.0f) * 1e-3f * i;
}
__attribute__((noinline)) float Weight(int s) { return 0.25f + 0.125f * s; }

// Tree() is the weighted sum over shards [lo, hi) in the promised order.
float Tree(int lo, int hi, int i) {
  if (hi - lo == 1) {
    volatile float product = Weight(lo) * Leaf(lo, i);  // Rounded alone.
    return product;
  }
  const int m = TreeSplit(lo, hi);
  return Tree(lo, m, i) + Tree(m, hi, i);
}

TEST(ShardSumTest, SumsWeightedShardsInTreeOrder) {
  const std::vector<Shape> shapes = {Shape({2, 3}), Shape({5})};
  for (int count : {2, 3, 4, 5, 7, 8}) {
    SCOPED_TRACE(count);
    ShardSum sum;
    std::vector<Tensor> grads;
    for (const Shape& shape : shapes) grads.push_back(Tensor::Zeros(shape));
    std::vector<int> ran;
    auto run = [&](int s, std::vector<Tensor*>* out) -> absl::StatusOr<float> {
      ran.push_back(s);
      int k = 0;
      for (Tensor& g : grads) {
        for (int64_t j = 0; j < g.size(); ++j) g[j] = Leaf(s, k++);
        out->push_back(&g);
      }
      return Weight(s);
    };
    // Twice: the second Sum() reuses the buffers.
    for (int round = 0; round < 2; ++round) {
      ran.clear();
      ASSERT_TRUE(sum.Sum(/*first=*/3, count, run).ok());
      std::vector<int> want;
      for (int s = 3; s < 3 + count; ++s) want.push_back(s);
      EXPECT_EQ(ran, want);
      ASSERT_EQ(sum.sums().size(), shapes.size());
      for (size_t i = 0; i < shapes.size(); ++i) {
        EXPECT_EQ(sum.sums()[i].shape(), shapes[i]);
      }
      int k = 0;
      for (const Tensor& t : sum.sums()) {
        for (int64_t j = 0; j < t.size(); ++j, ++k) {
          EXPECT_EQ(t.data()[j], Tree(3, 3 + count, k)) << "element " << k;
        }
      }
    }
  }
}

TEST(ShardSumTest, OneShardAndBadCallbacksAreErrors) {
  ShardSum sum;
  Tensor a = Tensor::Zeros(Shape({2}));
  Tensor b = Tensor::Zeros(Shape({3}));
  auto none = [](int, std::vector<Tensor*>*) -> absl::StatusOr<float> {
    return 1.0f;
  };
  EXPECT_EQ(sum.Sum(0, 1, none).code(), absl::StatusCode::kInvalidArgument);
  // Shard 1 gives no gradient where shard 0 gave one.
  auto fewer = [&](int s, std::vector<Tensor*>* out) -> absl::StatusOr<float> {
    if (s == 0) out->push_back(&a);
    return 1.0f;
  };
  EXPECT_EQ(sum.Sum(0, 2, fewer).code(), absl::StatusCode::kInternal);
  // Shard 1's gradient has another size.
  auto other = [&](int s, std::vector<Tensor*>* out) -> absl::StatusOr<float> {
    out->push_back(s == 0 ? &a : &b);
    return 1.0f;
  };
  EXPECT_EQ(sum.Sum(0, 2, other).code(), absl::StatusCode::kInternal);
  auto failing = [](int s, std::vector<Tensor*>*) -> absl::StatusOr<float> {
    return absl::UnavailableError(absl::StrCat("shard ", s));
  };
  const absl::Status status = sum.Sum(0, 2, failing);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "shard 0");
}

// A Trainer with dropout, one process: per-step losses and the trained
// parameters with 1, 2 and 3 shards agree to rounding. Had a shard drawn
// the masks of other rows (not keyed by the global row) they would differ
// by far more.
TEST(ShardedTrainStepTest, ShardsTrainAsTheWholeBatchToRounding) {
  const Dataset data = QuadrantData(48, 8, /*seed=*/5);
  std::vector<std::vector<float>> losses;
  std::vector<std::vector<float>> params;
  for (int shards : {1, 2, 3}) {
    Sequential model(Shape({1, 8, 8}), /*seed=*/9);
    model.Add(Flatten());
    model.Add(Dense(32, Activation::kRelu));
    model.Add(Dropout(0.5f));
    model.Add(Dense(4, Activation::kSoftmax));
    FitOptions fit;
    fit.reduction_shards = shards;
    fit.optimizer = OptimizerKind::kAdam;
    std::vector<float> l;
    for (int step = 0; step < 4; ++step) {
      absl::StatusOr<StepResult> r =
          model.TrainStep(data.images, data.labels, fit, 0.01f);
      ASSERT_TRUE(r.ok()) << r.status();
      l.push_back(r->loss);
    }
    losses.push_back(l);
    std::vector<float> p;
    for (const auto& [name, t] : model.parameters()->Items()) {
      p.insert(p.end(), t->data(), t->data() + t->size());
    }
    params.push_back(p);
  }
  for (int k = 1; k < 3; ++k) {
    SCOPED_TRACE(absl::StrCat(k + 1, " shards"));
    for (int step = 0; step < 4; ++step) {
      EXPECT_NEAR(losses[k][step], losses[0][step],
                  1e-5 * std::fabs(losses[0][step]))
          << "step " << step;
    }
    ASSERT_EQ(params[k].size(), params[0].size());
    for (size_t i = 0; i < params[0].size(); ++i) {
      ASSERT_NEAR(params[k][i], params[0][i], 1e-5) << "parameter " << i;
    }
  }
}

// A batch smaller than the shard count leaves shards empty: they add zero,
// so one row over 2 shards is bitwise one row over 1.
TEST(ShardedTrainStepTest, EmptyShardsAddNothing) {
  const Dataset data = QuadrantData(1, 8, /*seed=*/5);
  std::vector<float> losses;
  for (int shards : {1, 2}) {
    Sequential model(Shape({1, 8, 8}), /*seed=*/9);
    model.Add(Flatten());
    model.Add(Dense(4, Activation::kSoftmax));
    FitOptions fit;
    fit.reduction_shards = shards;
    for (int step = 0; step < 3; ++step) {
      absl::StatusOr<StepResult> r =
          model.TrainStep(data.images, data.labels, fit, 0.1f);
      ASSERT_TRUE(r.ok()) << r.status();
      if (step == 2) losses.push_back(r->loss);
    }
  }
  EXPECT_EQ(losses[0], losses[1]);
}

TEST(ShardedTrainStepTest, NegativeShardsAreAnError) {
  const Dataset data = QuadrantData(4, 8, /*seed=*/5);
  Sequential model(Shape({1, 8, 8}), /*seed=*/9);
  model.Add(Flatten());
  model.Add(Dense(4, Activation::kSoftmax));
  FitOptions fit;
  fit.reduction_shards = -1;
  absl::StatusOr<StepResult> r =
      model.TrainStep(data.images, data.labels, fit, 0.1f);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dagrad
