#include "report/history.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "report/progress_bar.h"
#include "report/svg_plot.h"

namespace dagrad {
namespace {

EpochStats Stats(int epoch, bool valid) {
  EpochStats s;
  s.epoch = epoch;
  s.num_epochs = 10;
  s.train_loss = 0.41234;
  s.train_acc = 0.85121;
  s.has_valid = valid;
  s.valid_loss = 0.44104;
  s.valid_acc = 0.84311;
  s.time_s = 1.8712;
  return s;
}

TEST(HistoryTest, EpochLineHasTheExactForm) {
  EXPECT_EQ(FormatEpochLine(Stats(3, true)),
            "epoch 3/10 train_loss=0.4123 train_acc=0.8512 valid_loss=0.4410 "
            "valid_acc=0.8431 time_s=1.87");
  EXPECT_EQ(FormatEpochLine(Stats(3, false)),
            "epoch 3/10 train_loss=0.4123 train_acc=0.8512 time_s=1.87");
}

TEST(HistoryTest, ParseReadsFormatBack) {
  absl::StatusOr<EpochStats> s =
      ParseEpochLine(FormatEpochLine(Stats(7, true)));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->epoch, 7);
  EXPECT_EQ(s->num_epochs, 10);
  EXPECT_DOUBLE_EQ(s->train_loss, 0.4123);
  EXPECT_DOUBLE_EQ(s->valid_acc, 0.8431);
  EXPECT_TRUE(s->has_valid);
  EXPECT_FALSE(ParseEpochLine("epoch 1/2 train_loss=0.1").ok());
  EXPECT_FALSE(
      ParseEpochLine("epoch x/2 train_loss=0.1 train_acc=1 time_s=1").ok());
  EXPECT_FALSE(ParseEpochLine("step 1/2").ok());
  EXPECT_FALSE(ParseEpochLine(
                   "epoch 1/2 train_loss=0.1 train_acc=1 time_s=1 valid_loss=1")
                   .ok());
}

TEST(HistoryTest, CsvHasAHeaderAndARowPerEpoch) {
  History h;
  h.epochs = {Stats(1, true), Stats(2, false)};
  const std::string csv = HistoryCsv(h);
  EXPECT_TRUE(absl::StartsWith(
      csv, "epoch,train_loss,train_acc,valid_loss,valid_acc,time_s,"));
  EXPECT_TRUE(absl::StrContains(csv, "\n1,0.412340,0.851210,0.441040,"));
  EXPECT_TRUE(absl::StrContains(csv, "\n2,0.412340,0.851210,,,"));
}

TEST(HistoryTest, SvgHasBothPanelsAndBothSeries) {
  History h;
  for (int e = 1; e <= 4; ++e) h.epochs.push_back(Stats(e, true));
  h.epochs[2].train_loss = 0.2;
  const std::string svg = RenderTrainingCurves(h, "LeNet-5 <test>");
  EXPECT_TRUE(absl::StartsWith(svg, "<svg xmlns="));
  EXPECT_TRUE(absl::StrContains(svg, "LeNet-5 &lt;test&gt;: loss"));
  EXPECT_TRUE(absl::StrContains(svg, "LeNet-5 &lt;test&gt;: accuracy"));
  int polylines = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos;
       p = svg.find("<polyline", p + 1)) {
    ++polylines;
  }
  EXPECT_EQ(polylines, 4);  // train + valid, in each panel
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
}

TEST(HistoryTest, ProgressBarRendersEtaAndLoss) {
  EXPECT_EQ(ProgressBar::Render(25, 100, 10.0, 0.5),
            "25/100 [=======>                      ] eta 30.0s loss 0.5000");
  EXPECT_EQ(ProgressBar::Render(100, 100, 10.0, 0.25),
            "100/100 [==============================] eta 0.0s loss 0.2500");
  // Not a TTY under bazel test: disabled, and Update() draws nothing.
  ProgressBar bar(stderr, 10);
  EXPECT_FALSE(bar.enabled());
}

}  // namespace
}  // namespace dagrad
