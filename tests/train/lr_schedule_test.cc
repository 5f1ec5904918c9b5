#include "train/lr_schedule.h"

#include <cmath>

#include "gtest/gtest.h"

namespace dagrad {
namespace {

TEST(LrScheduleTest, Formulas) {
  EXPECT_FLOAT_EQ(LrSchedule::Constant().LearningRate(0.1f, 7), 0.1f);
  const LrSchedule step = LrSchedule::Step(3, 0.5f);
  EXPECT_FLOAT_EQ(step.LearningRate(0.1f, 0), 0.1f);
  EXPECT_FLOAT_EQ(step.LearningRate(0.1f, 2), 0.1f);
  EXPECT_FLOAT_EQ(step.LearningRate(0.1f, 3), 0.05f);
  EXPECT_FLOAT_EQ(step.LearningRate(0.1f, 7), 0.025f);
  EXPECT_FLOAT_EQ(LrSchedule::Exponential(0.9f).LearningRate(1.0f, 2), 0.81f);
  const LrSchedule cosine = LrSchedule::Cosine(4, 0.01f);
  EXPECT_FLOAT_EQ(cosine.LearningRate(0.1f, 0), 0.1f);
  EXPECT_FLOAT_EQ(cosine.LearningRate(0.1f, 2), 0.055f);
  EXPECT_NEAR(cosine.LearningRate(0.1f, 1),
              0.01 + 0.09 * (1 + std::cos(M_PI / 4)) / 2, 1e-7);
  EXPECT_FLOAT_EQ(cosine.LearningRate(0.1f, 4), 0.01f);
  EXPECT_FLOAT_EQ(cosine.LearningRate(0.1f, 9), 0.01f);
}

TEST(LrScheduleTest, ParsesWhatDebugStringPrints) {
  for (const char* text :
       {"constant", "step:5:0.5", "exponential:0.95", "cosine:10:0.001"}) {
    auto s = LrSchedule::Parse(text);
    ASSERT_TRUE(s.ok()) << text << ": " << s.status();
    EXPECT_EQ(s->DebugString(), text);
  }
  auto short_cosine = LrSchedule::Parse("cosine:10");
  ASSERT_TRUE(short_cosine.ok());
  EXPECT_EQ(short_cosine->kind(), LrSchedule::Kind::kCosine);
}

TEST(LrScheduleTest, BadSchedulesAreClearErrors) {
  for (const char* text : {"", "linear", "step:0:0.5", "step:2", "step:a:b",
                           "exponential:-1", "cosine:0", "cosine:5:-1"}) {
    auto s = LrSchedule::Parse(text);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  EXPECT_FALSE(LrSchedule::Step(0, 0.5f).Validate().ok());
  EXPECT_TRUE(LrSchedule::Step(1, 0.5f).Validate().ok());
}

}  // namespace
}  // namespace dagrad
