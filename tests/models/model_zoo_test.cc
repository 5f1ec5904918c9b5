// tests/models/model_zoo_test.cc: the reference models have the architecture
// and parameter counts their headers state.
#include "models/model_zoo.h"

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "layers/activation.h"

namespace dagrad {
namespace {

TEST(ModelZooTest, LeNet5SummaryCounts61684Parameters) {
  Sequential model(Shape({1, 28, 28}));
  AddLeNet5(&model);
  absl::StatusOr<std::string> summary = model.Summary();
  ASSERT_TRUE(summary.ok()) << summary.status();
  std::printf("%s", summary->c_str());
  EXPECT_EQ(model.parameter_count(), 61684);
  EXPECT_TRUE(absl::StrContains(*summary, "Total params: 61,684"));
  EXPECT_TRUE(absl::StrContains(*summary, "conv2d_1 (Conv2D)"));
  EXPECT_TRUE(absl::StrContains(*summary, "[?,6,28,28]"));
  EXPECT_TRUE(absl::StrContains(*summary, "[?,16,10,10]"));
  EXPECT_TRUE(absl::StrContains(*summary, "[?,400]"));
}

TEST(ModelZooTest, MlpIsFlattenHiddenAndLogits) {
  Sequential model(Shape({1, 28, 28}));
  AddMlp(&model, 200, Activation::kRelu);
  absl::StatusOr<std::string> summary = model.Summary();
  ASSERT_TRUE(summary.ok()) << summary.status();
  // 784 * 200 + 200 + 200 * 10 + 10.
  EXPECT_EQ(model.parameter_count(), 159010);
  EXPECT_TRUE(absl::StrContains(*summary, "flatten_1 (Flatten)"));
  EXPECT_TRUE(absl::StrContains(*summary, "[?,200]"));
  EXPECT_TRUE(absl::StrContains(*summary, "[?,10]"));
}

}  // namespace
}  // namespace dagrad
