#include "ops/dropout.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

struct Result {
  Tensor y;
  Tensor dx;
};

DropoutAttrs WithP(float p) {
  DropoutAttrs attrs;
  attrs.p = p;
  return attrs;
}

EagerOptions Training(uint64_t seed, uint64_t step) {
  EagerOptions options;
  options.training = true;
  options.seed = seed;
  options.step = step;
  return options;
}

// RunOp() runs the forward and the VJP (dL/dy = dy) on `threads` threads.
absl::StatusOr<Result> RunOp(float p, Tensor& x, const Tensor& dy,
                             const EagerOptions& options, int threads = 1) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kDropout, WithP(p), {x.shape()}, &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward({&x}, options);
  if (!s.ok()) return s;
  Result r{(*op)->output().Clone(), Tensor::Zeros(x.shape())};
  r.dx.Fill(std::nanf(""));  // The VJP must overwrite all of it.
  s = (*op)->Vjp(0, dy, &r.dx);
  if (!s.ok()) return s;
  return r;
}

TEST(DropoutTest, InferenceIsIdentity) {
  for (const Shape& shape :
       {Shape({7}), Shape({64, 200}), Shape({3, 6, 28, 28})}) {
    Tensor x = RandomTensor(shape, /*seed=*/1);
    Tensor dy = RandomTensor(shape, /*seed=*/2);
    EagerOptions options;
    options.training = false;
    options.seed = 5;
    auto got = RunOp(0.5f, x, dy, options);
    ASSERT_TRUE(got.ok()) << got.status();
    for (int64_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(got->y[i], x[i]) << shape.DebugString() << " " << i;
      ASSERT_EQ(got->dx[i], dy[i]) << shape.DebugString() << " " << i;
    }
  }
}

TEST(DropoutTest, PZeroIsIdentityInBothModes) {
  Tensor x = RandomTensor(Shape({5, 77}), /*seed=*/3);
  Tensor dy = RandomTensor(x.shape(), /*seed=*/4);
  for (bool training : {true, false}) {
    EagerOptions options = Training(9, 2);
    options.training = training;
    auto got = RunOp(0.0f, x, dy, options);
    ASSERT_TRUE(got.ok()) << got.status();
    for (int64_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(got->y[i], x[i]) << training << " " << i;
      ASSERT_EQ(got->dx[i], dy[i]) << training << " " << i;
    }
  }
}

TEST(DropoutTest, TrainingOutputIsZeroOrScaledInput) {
  const float p = 0.3f;
  const float scale = DropoutScale(p);
  // Inputs away from 0, so that y == 0 means "dropped".
  Tensor x = RandomTensorAwayFromZero(Shape({13, 101}), /*seed=*/5, 0.1f);
  Tensor dy = RandomTensor(x.shape(), /*seed=*/6);
  auto got = RunOp(p, x, dy, Training(11, 3));
  ASSERT_TRUE(got.ok()) << got.status();
  int64_t kept = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    const float y = got->y[i];
    if (y == 0.0f) continue;
    ++kept;
    ASSERT_EQ(y, x[i] * scale) << i;
    // x * float(1/(1-p)) is x/(1-p) up to two roundings.
    ASSERT_NEAR(y, x[i] / (1.0 - p), 2.5e-7 * std::fabs(y)) << i;
  }
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, x.size());
}

TEST(DropoutTest, MaskIsTheDocumentedPhiloxStream) {
  // Element i is kept iff draw i of Rng(seed, stream = step) is < 1 - p.
  // 1000 + 37 elements: full 64-element chunks and a partial last one.
  for (float p : {0.1f, 0.5f, 0.8f}) {
    Tensor x = RandomTensorAwayFromZero(Shape({1037}), /*seed=*/7, 0.1f);
    Tensor dy = RandomTensor(x.shape(), /*seed=*/8);
    const uint64_t seed = 0x1234567890ABCDEFull;
    const uint64_t step = (uint64_t{1} << 32) + 5;  // Both stream words.
    auto got = RunOp(p, x, dy, Training(seed, step));
    ASSERT_TRUE(got.ok()) << got.status();
    for (int64_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(got->y[i] != 0.0f, DropoutKeepMask(seed, step, i, p))
          << "p " << p << " element " << i;
    }
  }
}

TEST(DropoutTest, KeptFractionAndMeanMatchTheKeepProbability) {
  // n = 2^20 Bernoulli(q) draws: the kept count has standard deviation
  // sqrt(n q (1 - q)); a 6-sigma bound fails a correct op with probability
  // < 2e-9 (and the draws are fixed by the seed, so it never flakes). Each
  // Philox output word (i % 4) and disjoint neighbour pairs (both kept with
  // probability q^2) are checked too, so a stream that repeats or skips
  // words fails. With x = 1, mean(y) estimates E[y] = x = 1.
  const int64_t n = int64_t{1} << 20;
  Tensor x = Tensor::Zeros(Shape({n}));
  x.Fill(1.0f);
  Tensor dy = Tensor::Zeros(x.shape());
  for (float p : {0.1f, 0.5f, 0.9f}) {
    auto got = RunOp(p, x, dy, Training(21, 4));
    ASSERT_TRUE(got.ok()) << got.status();
    const double q = 1.0 - p;
    int64_t kept = 0;
    int64_t kept_by_word[4] = {};
    int64_t pairs = 0;
    double sum_y = 0;
    for (int64_t i = 0; i < n; ++i) {
      const bool k = got->y[i] != 0.0f;
      kept += k;
      kept_by_word[i % 4] += k;
      if (i % 2 == 1 && k && got->y[i - 1] != 0.0f) ++pairs;
      sum_y += got->y[i];
    }
    const double sigma = std::sqrt(q * (1 - q) / n);
    EXPECT_NEAR(static_cast<double>(kept) / n, q, 6 * sigma) << p;
    for (int w = 0; w < 4; ++w) {
      EXPECT_NEAR(static_cast<double>(kept_by_word[w]) / (n / 4), q,
                  6 * 2 * sigma)
          << "p " << p << " word " << w;
    }
    const double q2 = q * q;
    EXPECT_NEAR(static_cast<double>(pairs) / (n / 2), q2,
                6 * std::sqrt(q2 * (1 - q2) / (n / 2)))
        << p;
    // y = s * keep: standard deviation of the mean s * sigma.
    EXPECT_NEAR(sum_y / n, 1.0, 6 * DropoutScale(p) * sigma) << p;
  }
}

TEST(DropoutTest, SameSeedAndStepGiveTheSameMask) {
  Tensor x = RandomTensorAwayFromZero(Shape({32, 50}), /*seed=*/9, 0.1f);
  Tensor dy = RandomTensor(x.shape(), /*seed=*/10);
  auto a = RunOp(0.5f, x, dy, Training(77, 12));
  auto b = RunOp(0.5f, x, dy, Training(77, 12));
  ASSERT_TRUE(a.ok() && b.ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(a->y[i], b->y[i]) << i;
    ASSERT_EQ(a->dx[i], b->dx[i]) << i;
  }
}

// MaskDifferences() counts elements kept by one run and dropped by the other.
int64_t MaskDifferences(const Tensor& a, const Tensor& b) {
  int64_t differ = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    differ += (a[i] != 0.0f) != (b[i] != 0.0f);
  }
  return differ;
}

TEST(DropoutTest, DifferentStepOrSeedGivesADifferentMask) {
  // Independent masks with p = 0.5 differ in half the elements on average
  // (4000 of 8000, standard deviation 45); require at least 3500.
  Tensor x = RandomTensorAwayFromZero(Shape({80, 100}), /*seed=*/11, 0.1f);
  Tensor dy = RandomTensor(x.shape(), /*seed=*/12);
  auto base = RunOp(0.5f, x, dy, Training(5, 0));
  auto next_step = RunOp(0.5f, x, dy, Training(5, 1));
  auto other_seed = RunOp(0.5f, x, dy, Training(6, 0));
  ASSERT_TRUE(base.ok() && next_step.ok() && other_seed.ok());
  EXPECT_GT(MaskDifferences(base->y, next_step->y), 3500);
  EXPECT_GT(MaskDifferences(base->y, other_seed->y), 3500);
  EXPECT_GT(MaskDifferences(next_step->y, other_seed->y), 3500);
}

TEST(DropoutTest, OneAndTwoThreadsAgreeBitwise) {
  // 300000 + 5 elements: thousands of chunks split over both threads, and a
  // partial last chunk.
  Tensor x = RandomTensor(Shape({300005}), /*seed=*/13);
  Tensor dy = RandomTensor(x.shape(), /*seed=*/14);
  auto one = RunOp(0.4f, x, dy, Training(3, 8), 1);
  auto two = RunOp(0.4f, x, dy, Training(3, 8), 2);
  ASSERT_TRUE(one.ok() && two.ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(one->y[i], two->y[i]) << i;
    ASSERT_EQ(one->dx[i], two->dx[i]) << i;
  }
}

TEST(DropoutTest, VjpIsDyTimesMaskOverKeepProbability) {
  for (float p : {0.25f, 0.5f, 0.7f}) {
    const float scale = DropoutScale(p);
    Tensor x = RandomTensor(Shape({9, 131}), /*seed=*/15);
    Tensor dy = RandomTensor(x.shape(), /*seed=*/16);
    auto got = RunOp(p, x, dy, Training(31, 6), 2);
    ASSERT_TRUE(got.ok()) << got.status();
    for (int64_t i = 0; i < x.size(); ++i) {
      const bool keep = DropoutKeepMask(31, 6, i, p);
      ASSERT_EQ(got->dx[i], keep ? dy[i] * scale : 0.0f) << p << " " << i;
      ASSERT_EQ(got->y[i], keep ? x[i] * scale : 0.0f) << p << " " << i;
    }
  }
}

// RowsOf() copies rows [begin, end) of the 2-d tensor t.
Tensor RowsOf(const Tensor& t, int64_t begin, int64_t end) {
  const int64_t cols = t.shape().dim(1);
  return Tensor::FromValues(
      Shape({end - begin, cols}),
      absl::MakeConstSpan(t.data() + begin * cols, (end - begin) * cols));
}

TEST(DropoutTest, RowRangesAtTheirOffsetsDrawTheWholeBatchMask) {
  // x [8,37] in one run at offset 0, and as rows [0,3) at offset 0 and rows
  // [3,8) at offset 3: the same y bitwise, and, through the VJP with
  // dL/dy = 1, the same saved mask m. 37 floats a row, so the second range
  // starts at global index 111, inside a 256-element chunk.
  const float p = 0.5f;
  Tensor x = RandomTensor(Shape({8, 37}), /*seed=*/21);
  Tensor ones = Tensor::Zeros(x.shape());
  ones.Fill(1.0f);
  for (int threads : {1, 2}) {
    auto whole = RunOp(p, x, ones, Training(55, 9), threads);
    ASSERT_TRUE(whole.ok()) << whole.status();
    const int64_t ranges[][2] = {{0, 3}, {3, 8}};
    for (const auto& r : ranges) {
      Tensor xr = RowsOf(x, r[0], r[1]);
      Tensor dyr = RowsOf(ones, r[0], r[1]);
      EagerOptions options = Training(55, 9);
      options.example_offset = r[0];
      auto part = RunOp(p, xr, dyr, options, threads);
      ASSERT_TRUE(part.ok()) << part.status();
      const int64_t first = r[0] * 37;
      for (int64_t i = 0; i < xr.size(); ++i) {
        ASSERT_EQ(part->y[i], whole->y[first + i])
            << "rows [" << r[0] << ", " << r[1] << ") element " << i;
        ASSERT_EQ(part->dx[i], whole->dx[first + i])  // m, since dy = 1.
            << "rows [" << r[0] << ", " << r[1] << ") element " << i;
      }
    }
  }
}

TEST(DropoutTest, OffsetRunKeysTheMaskAndTheVjpByGlobalIndex) {
  // At example_offset o an [R, C] input's element i has global index
  // o * C + i; the VJP multiplies by the mask its forward saved.
  const float p = 0.3f;
  const float scale = DropoutScale(p);
  for (const Shape& shape : {Shape({5, 61}), Shape({3, 2, 3, 7})}) {
    const int64_t per_row = shape.num_elements() / shape.dim(0);
    Tensor x = RandomTensor(shape, /*seed=*/22);
    Tensor dy = RandomTensor(shape, /*seed=*/23);
    for (int64_t offset : {1, 4, 1000}) {
      EagerOptions options = Training(57, 2);
      options.example_offset = offset;
      auto got = RunOp(p, x, dy, options, 2);
      ASSERT_TRUE(got.ok()) << got.status();
      for (int64_t i = 0; i < x.size(); ++i) {
        const bool keep = DropoutKeepMask(57, 2, offset * per_row + i, p);
        ASSERT_EQ(got->y[i], keep ? x[i] * scale : 0.0f)
            << shape.DebugString() << " offset " << offset << " " << i;
        ASSERT_EQ(got->dx[i], keep ? dy[i] * scale : 0.0f)
            << shape.DebugString() << " offset " << offset << " " << i;
      }
    }
  }
}

TEST(DropoutTest, ScalarIgnoresTheOffsetAndNegativeOffsetIsAnError) {
  Tensor x = Tensor::FromValues(Shape({}), {2.0f});
  Tensor dy = Tensor::FromValues(Shape({}), {1.0f});
  EagerOptions options = Training(3, 1);
  auto at_zero = RunOp(0.5f, x, dy, options);
  options.example_offset = 7;
  auto at_seven = RunOp(0.5f, x, dy, options);
  ASSERT_TRUE(at_zero.ok() && at_seven.ok());
  EXPECT_EQ(at_zero->y[0], at_seven->y[0]);
  EXPECT_EQ(at_seven->y[0], DropoutKeepMask(3, 1, 0, 0.5f) ? 4.0f : 0.0f);
  options.example_offset = -1;
  auto negative = RunOp(0.5f, x, dy, options);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(negative.status().message())
                .find("Dropout: example_offset -1 is negative"),
            std::string::npos)
      << negative.status();
}

TEST(DropoutTest, GradientMatchesNumeric) {
  // The checker runs every forward with one seed and step: one fixed mask.
  for (const Shape& shape :
       {Shape({7}), Shape({4, 9}), Shape({2, 3, 5, 5}), Shape({3, 67})}) {
    for (float p : {0.2f, 0.5f}) {
      for (bool training : {true, false}) {
        Tensor x = RandomTensor(shape, /*seed=*/17);
        GradientCheckOptions options;
        options.training = training;
        options.seed = 41;
        options.epsilon = 1e-2;
        options.atol = 1e-4;
        auto result = CheckGradients(OpKind::kDropout, WithP(p), {&x}, options);
        EXPECT_TRUE(result.ok())
            << shape.DebugString() << " p " << p << " training " << training
            << ": " << result.status();
      }
    }
  }
}

// ExpectShapeError() requires InvalidArgument naming Dropout, the input
// shape and `part`.
void ExpectShapeError(const Shape& input, float p, const std::string& part) {
  auto out = DropoutShape({input}, WithP(p));
  ASSERT_FALSE(out.ok()) << input.DebugString() << " p " << p;
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("Dropout: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + input.DebugString()), std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(DropoutTest, ShapeErrors) {
  ExpectShapeError(Shape({3, 4}), -0.1f, "p = -0.1 must be in [0, 1)");
  ExpectShapeError(Shape({3, 4}), 1.0f, "p = 1 must be in [0, 1)");
  ExpectShapeError(Shape({2, 3, 5, 5}), std::nanf(""),
                   "p = nan must be in [0, 1)");
  ThreadPool pool(1);
  auto op =
      EagerOp::Create(OpKind::kDropout, WithP(1.0f), {Shape({3, 4})}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DropoutTest, ShapeKeepsUnknownBatch) {
  for (float p : {0.0f, 0.5f, 0.999f}) {
    auto out = DropoutShape({Shape({Shape::kUnknownDim, 10})}, WithP(p));
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, Shape({Shape::kUnknownDim, 10}));
  }
}

}  // namespace
}  // namespace dagrad
