// Optimizers: each update rule against a double-precision reference of the
// formula in train/optimizer.h, state export/import, and the error cases.
#include "train/optimizer.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

// Reference: one parameter element through `steps` updates with gradients
// g(t) = sin(t + 1) + 0.3 * w (a gradient that depends on w, as real ones do).
double Reference(const std::string& name, const OptimizerOptions& o, double w,
                 double lr, int steps) {
  double v = 0, m = 0, s = 0;
  for (int t = 1; t <= steps; ++t) {
    const double raw = std::sin(t + 1.0) + 0.3 * w;
    double g = raw + (name == "adamw" ? 0.0 : o.weight_decay * w);
    if (name == "sgd") {
      w -= lr * g;
    } else if (name == "momentum") {
      v = o.momentum * v + g;
      w -= lr * v;
    } else if (name == "nesterov") {
      v = o.momentum * v + g;
      w -= lr * (g + o.momentum * v);
    } else if (name == "rmsprop") {
      s = o.rho * s + (1 - o.rho) * g * g;
      w -= lr * g / (std::sqrt(s) + o.epsilon);
    } else {  // adam, adamw
      if (name == "adamw") w -= lr * o.weight_decay * w;
      m = o.beta1 * m + (1 - o.beta1) * g;
      s = o.beta2 * s + (1 - o.beta2) * g * g;
      const double mhat = m / (1 - std::pow(o.beta1, t));
      const double shat = s / (1 - std::pow(o.beta2, t));
      w -= lr * mhat / (std::sqrt(shat) + o.epsilon);
    }
  }
  return w;
}

// Make() is MakeOptimizer() for the kind called `name`.
absl::StatusOr<std::unique_ptr<Optimizer>> Make(absl::string_view name,
                                                const OptimizerOptions& o) {
  absl::StatusOr<OptimizerKind> kind = ParseOptimizerKind(name);
  if (!kind.ok()) return kind.status();
  return MakeOptimizer(*kind, o);
}

// Runs `steps` updates of a 3-element parameter with the same gradients.
std::vector<float> RunOptimizer(Optimizer* opt, std::vector<float> w0, float lr,
                                int steps) {
  Tensor w = Tensor::FromValues(Shape({3}), w0);
  Tensor g = Tensor::Zeros(Shape({3}));
  std::vector<ParamSlot> slots = {{"layer/W", &w, &g}};
  EXPECT_TRUE(opt->Init(slots).ok());
  for (int t = 1; t <= steps; ++t) {
    for (int i = 0; i < 3; ++i) g[i] = std::sin(t + 1.0f) + 0.3f * w[i];
    EXPECT_TRUE(opt->Step(slots, lr).ok());
  }
  return {w[0], w[1], w[2]};
}

TEST(OptimizerTest, EachRuleMatchesItsFormula) {
  for (const char* name :
       {"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"}) {
    for (float wd : {0.0f, 0.05f}) {
      SCOPED_TRACE(std::string(name) + " wd=" + std::to_string(wd));
      OptimizerOptions o;
      o.weight_decay = wd;
      auto opt = Make(name, o);
      ASSERT_TRUE(opt.ok()) << opt.status();
      EXPECT_EQ((*opt)->name(), name);
      const std::vector<float> w0 = {0.5f, -1.25f, 2.0f};
      const std::vector<float> w = RunOptimizer(opt->get(), w0, 0.05f, 7);
      for (int i = 0; i < 3; ++i) {
        const double ref = Reference(name, o, w0[i], 0.05, 7);
        EXPECT_NEAR(w[i], ref, 1e-5 * (1 + std::fabs(ref))) << "element " << i;
      }
    }
  }
}

// A parameter large enough to be split over a pool updates to the same bits
// as without one, for every rule (and with weight decay).
TEST(OptimizerTest, ParallelStepIsBitwiseTheSerialStep) {
  ThreadPool pool(2);
  const int64_t n = 100003;  // Uneven slices.
  for (const std::string name :
       {"sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"}) {
    SCOPED_TRACE(name);
    OptimizerOptions o;
    o.weight_decay = 0.01f;
    std::vector<Tensor> w, g;
    for (int k = 0; k < 2; ++k) {
      w.push_back(Tensor::Zeros(Shape({n})));
      g.push_back(Tensor::Zeros(Shape({n})));
      for (int64_t i = 0; i < n; ++i) w[k][i] = std::sin(0.001 * i);
    }
    std::vector<ParamSlot> serial = {{"layer/W", &w[0], &g[0]}};
    std::vector<ParamSlot> parallel = {{"layer/W", &w[1], &g[1]}};
    auto a = *Make(name, o);
    auto b = *Make(name, o);
    ASSERT_TRUE(a->Init(serial).ok());
    ASSERT_TRUE(b->Init(parallel).ok());
    for (int t = 1; t <= 3; ++t) {
      for (int k = 0; k < 2; ++k) {
        for (int64_t i = 0; i < n; ++i) {
          g[k][i] = std::cos(0.002 * i + t) + 0.3f * w[k][i];
        }
      }
      ASSERT_TRUE(a->Step(serial, 0.01f).ok());
      ASSERT_TRUE(b->Step(parallel, 0.01f, &pool).ok());
    }
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(w[0][i], w[1][i]) << i;
  }
}

TEST(OptimizerTest, ExportImportContinuesIdentically) {
  for (const char* name : {"momentum", "rmsprop", "adam"}) {
    SCOPED_TRACE(name);
    auto a = Make(name, OptimizerOptions{});
    ASSERT_TRUE(a.ok());
    Tensor w = Tensor::FromValues(Shape({2}), {1.0f, -2.0f});
    Tensor g = Tensor::FromValues(Shape({2}), {0.3f, -0.7f});
    std::vector<ParamSlot> slots = {{"p", &w, &g}};
    ASSERT_TRUE((*a)->Init(slots).ok());
    for (int t = 0; t < 3; ++t) ASSERT_TRUE((*a)->Step(slots, 0.1f).ok());
    const OptimizerState state = (*a)->ExportState();
    EXPECT_EQ(state.steps, 3);

    // A fresh optimizer with the imported state takes the same next step.
    Tensor w2 = w.Clone();
    std::vector<ParamSlot> slots2 = {{"p", &w2, &g}};
    auto b = Make(name, OptimizerOptions{});
    ASSERT_TRUE((*b)->Init(slots2).ok());
    ASSERT_TRUE((*b)->ImportState(state).ok());
    EXPECT_EQ((*b)->steps(), 3);
    ASSERT_TRUE((*a)->Step(slots, 0.1f).ok());
    ASSERT_TRUE((*b)->Step(slots2, 0.1f).ok());
    EXPECT_EQ(w[0], w2[0]);
    EXPECT_EQ(w[1], w2[1]);
  }
}

TEST(OptimizerTest, ImportRejectsStateOfAnotherShapeAndKeepsItsOwn) {
  auto opt = Make("momentum", OptimizerOptions{});
  Tensor w = Tensor::Zeros(Shape({2}));
  Tensor g = Tensor::FromValues(Shape({2}), {1.0f, 1.0f});
  std::vector<ParamSlot> slots = {{"dense/W", &w, &g}};
  ASSERT_TRUE((*opt)->Init(slots).ok());
  OptimizerState bad;
  bad.tensors.push_back({"dense/W/velocity", Tensor::Zeros(Shape({3}))});
  bad.steps = 5;
  absl::Status s = (*opt)->ImportState(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "dense/W/velocity")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "[3]")) << s;
  EXPECT_EQ((*opt)->steps(), 0);
  bad.tensors[0].tensor = Tensor::Zeros(Shape({2}));
  bad.steps = -1;
  s = (*opt)->ImportState(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "-1")) << s;
  EXPECT_EQ((*opt)->steps(), 0);
}

TEST(OptimizerTest, StepCountBeyondFloatPrecisionSurvivesExportImport) {
  const int64_t steps = (int64_t{1} << 25) + 1;  // Not a float.
  auto opt = Make("adam", OptimizerOptions{});
  Tensor w = Tensor::FromValues(Shape({2}), {1.0f, -2.0f});
  Tensor g = Tensor::FromValues(Shape({2}), {0.3f, -0.7f});
  std::vector<ParamSlot> slots = {{"p", &w, &g}};
  ASSERT_TRUE((*opt)->Init(slots).ok());
  OptimizerState state = (*opt)->ExportState();
  state.steps = steps;
  ASSERT_TRUE((*opt)->ImportState(state).ok());
  EXPECT_EQ((*opt)->steps(), steps);
  ASSERT_TRUE((*opt)->Step(slots, 0.1f).ok());
  EXPECT_EQ((*opt)->ExportState().steps, steps + 1);
}

TEST(OptimizerTest, KindsAndNamesConvertBothWays) {
  for (OptimizerKind kind :
       {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kNesterov,
        OptimizerKind::kRmsProp, OptimizerKind::kAdam, OptimizerKind::kAdamW}) {
    const absl::string_view name = OptimizerKindName(kind);
    SCOPED_TRACE(name);
    absl::StatusOr<OptimizerKind> parsed = ParseOptimizerKind(name);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, kind);
    OptimizerKind flag = OptimizerKind::kSgd;
    std::string error;
    EXPECT_TRUE(AbslParseFlag(AbslUnparseFlag(kind), &flag, &error));
    EXPECT_EQ(flag, kind);
    auto opt = MakeOptimizer(kind, OptimizerOptions{});
    ASSERT_TRUE(opt.ok()) << opt.status();
    EXPECT_EQ((*opt)->kind(), kind);
  }
  absl::StatusOr<OptimizerKind> bad = ParseOptimizerKind("Adam");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "'Adam'"))
      << bad.status();
  EXPECT_TRUE(absl::StrContains(
      bad.status().message(), "sgd, momentum, nesterov, rmsprop, adam, adamw"))
      << bad.status();
  OptimizerKind flag = OptimizerKind::kAdam;
  std::string error;
  EXPECT_FALSE(AbslParseFlag("sgdd", &flag, &error));
  EXPECT_TRUE(absl::StrContains(error, "sgdd")) << error;
  EXPECT_EQ(flag, OptimizerKind::kAdam);
}

TEST(OptimizerTest, UnknownNameAndBadOptionsAreClearErrors) {
  auto unknown = Make("sgdd", OptimizerOptions{});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(unknown.status().message(), "sgdd"));
  OptimizerOptions o;
  o.momentum = 1.0f;
  EXPECT_FALSE(Make("momentum", o).ok());
  o = OptimizerOptions{};
  o.weight_decay = -1;
  auto neg = Make("sgd", o);
  EXPECT_TRUE(absl::StrContains(neg.status().message(), "weight_decay"));
  o = OptimizerOptions{};
  o.epsilon = 0;
  EXPECT_FALSE(Make("adam", o).ok());
}

TEST(OptimizerTest, StepChecksSlotsAndGradientShapes) {
  auto opt = Make("sgd", OptimizerOptions{});
  Tensor w = Tensor::Zeros(Shape({2, 2}));
  Tensor g = Tensor::Zeros(Shape({4}));
  std::vector<ParamSlot> slots = {{"conv/W", &w, &g}};
  ASSERT_TRUE((*opt)->Init(slots).ok());
  absl::Status s = (*opt)->Step(slots, 0.1f);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "conv/W")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "[4]")) << s;
  EXPECT_EQ((*opt)->Step({}, 0.1f).code(),
            absl::StatusCode::kFailedPrecondition);
  Tensor g_ok = Tensor::Zeros(Shape({2, 2}));
  slots[0].grad = &g_ok;
  EXPECT_EQ((*opt)->Step(slots, -0.1f).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*opt)->Step(slots, NAN).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE((*opt)->Step(slots, 0.1f).ok());
  // Duplicate names are rejected at Init.
  std::vector<ParamSlot> twice = {{"a", &w, &g_ok}, {"a", &w, &g_ok}};
  EXPECT_EQ((*opt)->Init(twice).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dagrad
