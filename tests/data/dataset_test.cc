#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

IdxArray Images(int64_t n, int64_t h = 2, int64_t w = 3) {
  IdxArray a;
  a.dims = {n, h, w};
  for (int64_t i = 0; i < n * h * w; ++i) a.data.push_back(i % 256);
  return a;
}

IdxArray Labels(std::vector<uint8_t> values) {
  IdxArray a;
  a.dims = {static_cast<int64_t>(values.size())};
  a.data = std::move(values);
  return a;
}

TEST(DatasetTest, ScalesPixelsAndKeepsLabels) {
  absl::StatusOr<Dataset> d = MakeDataset(Images(2), Labels({3, 9}), "t");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->image_shape(), Shape({2, 1, 2, 3}));
  float images[12];
  d->CopyImages(0, 2, images);
  EXPECT_FLOAT_EQ(images[5], 5.0f / 255.0f);
  EXPECT_EQ(d->labels[1], 9.0f);
  EXPECT_EQ(d->size(), 2);
}

TEST(DatasetTest, CountMismatchAndLabelRangeAreErrors) {
  absl::StatusOr<Dataset> mismatch =
      MakeDataset(Images(3), Labels({1, 2}), "t");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("3 images but 2 labels"),
            std::string::npos);
  absl::StatusOr<Dataset> range =
      MakeDataset(Images(2), Labels({1, 10}), "t", 10);
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(range.status().message().find("label 10 of example 1"),
            std::string::npos)
      << range.status();
}

TEST(DatasetTest, LimitKeepsTheFirstExamples) {
  absl::StatusOr<Dataset> d =
      MakeDataset(Images(5), Labels({0, 1, 2, 3, 4}), "t", 10, 2);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->size(), 2);
  EXPECT_EQ(d->labels[1], 1.0f);
}

TEST(DataProviderTest, BatchSizeZeroIsAnError) {
  Dataset d = *MakeDataset(Images(4), Labels({0, 1, 2, 3}), "t");
  absl::StatusOr<DataProvider> p = DataProvider::Create(&d, 0, false, 1);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("batch size"), std::string::npos);
}

TEST(DataProviderTest, LastPartialBatchIsKept) {
  Dataset d = *MakeDataset(Images(7), Labels({0, 1, 2, 3, 4, 5, 6}), "t");
  DataProvider p = *DataProvider::Create(&d, 3, false, 1);
  EXPECT_EQ(p.num_batches(), 3);
  std::vector<int64_t> sizes;
  std::vector<float> labels;
  while (auto b = p.Next()) {
    sizes.push_back(b->labels.size());
    EXPECT_EQ(b->images.shape().dim(0), b->labels.size());
    for (int64_t i = 0; i < b->labels.size(); ++i) {
      labels.push_back(b->labels[i]);
    }
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 1}));
  EXPECT_EQ(labels, (std::vector<float>{0, 1, 2, 3, 4, 5, 6}));
}

std::vector<float> EpochOrder(DataProvider* p) {
  std::vector<float> order;
  while (auto b = p->Next()) {
    for (int64_t i = 0; i < b->labels.size(); ++i) {
      order.push_back(b->labels[i]);
    }
  }
  return order;
}

TEST(DataProviderTest, ShuffleIsSeededAndChangesPerEpoch) {
  std::vector<uint8_t> ids(50);
  for (int i = 0; i < 50; ++i) ids[i] = i % 10;
  IdxArray labels = Labels(ids);
  Dataset d = *MakeDataset(Images(50), labels, "t");
  // Make labels unique (50 classes) to observe the permutation.
  d.num_classes = 50;
  for (int i = 0; i < 50; ++i) d.labels[i] = static_cast<float>(i);
  DataProvider a = *DataProvider::Create(&d, 8, true, 42);
  DataProvider b = *DataProvider::Create(&d, 8, true, 42);
  std::vector<float> a0 = EpochOrder(&a), b0 = EpochOrder(&b);
  EXPECT_EQ(a0, b0);
  EXPECT_EQ(std::set<float>(a0.begin(), a0.end()).size(), 50u);
  a.Reset();
  std::vector<float> a1 = EpochOrder(&a);
  EXPECT_NE(a0, a1);
  EXPECT_EQ(std::set<float>(a1.begin(), a1.end()).size(), 50u);
  DataProvider c = *DataProvider::Create(&d, 8, true, 43);
  EXPECT_NE(EpochOrder(&c), a0);
}

TEST(MnistSplitsTest, FashionMnistWithLimitSplitsOneSixth) {
  absl::StatusOr<MnistSplits> s =
      LoadMnistSplits("/usr/share/datasets/fashion-mnist", 1200);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->train.size(), 1000);
  EXPECT_EQ(s->valid.size(), 200);
  EXPECT_EQ(s->test.size(), 10000);
  // Loaded images stay bytes, a quarter of the memory of floats.
  ASSERT_TRUE(s->train.has_pixels());
  EXPECT_EQ(s->train.image_shape(), Shape({1000, 1, 28, 28}));
  EXPECT_EQ(s->train.pixels.values.size(), 1000u * 28 * 28);
  EXPECT_TRUE(s->train.images.shape().rank() == 0);
  std::vector<float> images(1000 * 28 * 28);
  s->train.CopyImages(0, 1000, images.data());
  float max_pixel = 0;
  for (float v : images) max_pixel = std::max(max_pixel, v);
  EXPECT_LE(max_pixel, 1.0f);
  EXPECT_GT(max_pixel, 0.9f);
}

TEST(DatasetTest, PixelsReadAsBytesOver255InEveryPath) {
  IdxArray images{{3, 2, 2}, {0, 255, 128, 1, 2, 3, 4, 5, 6, 7, 8, 9}};
  IdxArray labels{{3}, {2, 0, 1}};
  absl::StatusOr<Dataset> d = MakeDataset(images, labels, "bytes", 3);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(d->has_pixels());
  EXPECT_EQ(d->image_shape(), Shape({3, 1, 2, 2}));
  EXPECT_TRUE(ValidateDataset(*d, "bytes").ok());
  float first[4];
  d->CopyImage(0, first);
  EXPECT_EQ(first[0], 0.0f);
  EXPECT_EQ(first[1], 1.0f);
  EXPECT_EQ(first[2], 128.0f * (1.0f / 255.0f));
  // A slice keeps bytes; a provider converts them per batch.
  const Dataset tail = Slice(*d, 1, 3);
  ASSERT_TRUE(tail.has_pixels());
  EXPECT_EQ(tail.image_shape(), Shape({2, 1, 2, 2}));
  float second[4];
  tail.CopyImage(0, second);
  EXPECT_EQ(second[0], 2.0f * (1.0f / 255.0f));
  absl::StatusOr<DataProvider> p =
      DataProvider::Create(&*d, 2, /*shuffle=*/false, 0);
  ASSERT_TRUE(p.ok()) << p.status();
  std::optional<Batch> b = p->Next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->images.shape(), Shape({2, 1, 2, 2}));
  EXPECT_EQ(b->images[1], 1.0f);
  EXPECT_EQ(b->images[7], 5.0f * (1.0f / 255.0f));
  EXPECT_EQ(b->labels[0], 2.0f);
  // Bytes that do not fill the shape are an error naming both counts.
  Dataset short_bytes = Slice(*d, 0, 3);
  short_bytes.pixels.values.pop_back();
  const absl::Status s = ValidateDataset(short_bytes, "short");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("hold 12 values but 11 bytes"), std::string::npos)
      << s;
}

TEST(MnistSplitsTest, MissingDirectoryNamesTheFile) {
  absl::StatusOr<MnistSplits> s = LoadMnistSplits("/no/such/dir");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("/no/such/dir/train-images"),
            std::string::npos);
}

// A Dataset built by hand, [n,1,2,2] images of 0.5 and labels 0, 1, 2, ...
Dataset HandMade(int64_t images, int64_t labels) {
  Dataset d;
  d.num_classes = 10;
  d.images = Tensor::Zeros(Shape({images, 1, 2, 2}));
  for (int64_t i = 0; i < d.images.size(); ++i) d.images[i] = 0.5f;
  d.labels = Tensor::Zeros(Shape({labels}));
  for (int64_t i = 0; i < labels; ++i) d.labels[i] = static_cast<float>(i % 10);
  return d;
}

void ExpectProviderError(const Dataset& d, const std::string& text) {
  absl::StatusOr<DataProvider> p = DataProvider::Create(&d, 8, true, 1, "mine");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(p.status().message(), "data set 'mine'"))
      << p.status();
  EXPECT_TRUE(absl::StrContains(p.status().message(), text)) << p.status();
}

TEST(DatasetTest, ProviderRejectsCountMismatchNamingBothShapes) {
  ExpectProviderError(HandMade(64, 50), "64 images [64,1,2,2] but 50 labels");
}

TEST(DatasetTest, ProviderRejectsBadLabelsByDataSetIndex) {
  Dataset d = HandMade(40, 40);
  d.labels[37] = 12.0f;
  ExpectProviderError(d, "label 12 of example 37 is not a class id in [0, 10)");
  d.labels[37] = 2.5f;
  ExpectProviderError(d, "label 2.5 of example 37");
  d.labels[37] = -1.0f;
  ExpectProviderError(d, "label -1 of example 37");
  d.labels[37] = std::nanf("");
  ExpectProviderError(d, "of example 37");
}

TEST(DatasetTest, ProviderRejectsNonFiniteInputsByDataSetIndex) {
  Dataset d = HandMade(40, 40);
  d.images[4 * 21 + 3] = std::nanf("");
  ExpectProviderError(d, "example 21 has a value nan at offset 3");
  d.images[4 * 21 + 3] = INFINITY;
  ExpectProviderError(d, "example 21 has a value inf");
}

TEST(DatasetTest, ProviderRejectsWrongRanks) {
  Dataset d = HandMade(4, 4);
  d.images = Tensor::Zeros(Shape({4, 4}));
  ExpectProviderError(d, "images [4,4] must be [N, C, H, W]");
  d = HandMade(4, 4);
  d.labels = Tensor::Zeros(Shape({4, 1}));
  ExpectProviderError(d, "labels [4,1] must be [N]");
}

TEST(DatasetTest, ValidDataPassesValidation) {
  Dataset d = HandMade(40, 40);
  EXPECT_TRUE(ValidateDataset(d, "ok").ok());
  EXPECT_TRUE(DataProvider::Create(&d, 8, true, 1).ok());
}

}  // namespace
}  // namespace dagrad
