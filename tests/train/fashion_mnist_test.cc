// End to end on real data: the first 2,000 Fashion-MNIST training images
// (Debian's dataset-fashion-mnist, installed by tools/setup.sh).
#include "data/dataset.h"
#include "gtest/gtest.h"
#include "layers/dense.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

constexpr char kDataDir[] = "/usr/share/datasets/fashion-mnist";

TEST(FashionMnistTest, MlpOnTwoThousandImagesBeatsChanceByFar) {
  absl::StatusOr<MnistSplits> data =
      LoadMnistSplits(kDataDir, /*train_limit=*/2000);
  ASSERT_TRUE(data.ok()) << data.status()
                         << " (tools/setup.sh installs dataset-fashion-mnist)";
  ASSERT_EQ(data->train.size() + data->valid.size(), 2000);
  Sequential model(Shape({784}), /*seed=*/1);
  model.Add(Dense(100, Activation::kRelu));
  model.Add(Dense(10));
  FitOptions fit;
  fit.epochs = 5;
  fit.batch_size = 50;
  fit.optimizer = OptimizerKind::kSgd;
  fit.lr = 0.1f;
  fit.verbose = false;
  absl::StatusOr<History> history = model.Fit(data->train, &data->valid, fit);
  ASSERT_TRUE(history.ok()) << history.status();
  absl::StatusOr<EvalResult> test = model.Evaluate(data->test, 1000);
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ(test->examples, 10000);
  // Chance is 10%; this model reaches ~75% on this little data.
  EXPECT_GT(test->accuracy, 0.65) << "loss " << test->loss;
  EXPECT_GT(history->epochs.back().valid_acc, 0.65);
}

}  // namespace
}  // namespace dagrad
