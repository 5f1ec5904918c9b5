#include "ops/batch_norm.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// Params holds BatchNorm's inputs for an x shape.
struct Params {
  Tensor x, gamma, beta, mean, var;

  std::vector<Tensor*> inputs() { return {&x, &gamma, &beta, &mean, &var}; }
  std::vector<Shape> shapes() const {
    return {x.shape(), gamma.shape(), beta.shape(), mean.shape(), var.shape()};
  }
};

Params MakeParams(const Shape& x_shape, uint64_t seed, float x_lo = -1.0f,
                  float x_hi = 1.0f) {
  const Shape f({x_shape.dim(1)});
  return {RandomTensor(x_shape, seed, x_lo, x_hi),
          RandomTensor(f, seed + 1, 0.5f, 1.5f),
          RandomTensor(f, seed + 2, -0.5f, 0.5f),
          RandomTensor(f, seed + 3, -0.3f, 0.3f),
          RandomTensor(f, seed + 4, 0.5f, 2.0f)};
}

BatchNormAttrs Attrs(float epsilon = 1e-5f, float momentum = 0.1f) {
  BatchNormAttrs attrs;
  attrs.epsilon = epsilon;
  attrs.momentum = momentum;
  return attrs;
}

EagerOptions Mode(bool training) {
  EagerOptions options;
  options.training = training;
  return options;
}

// Layout of x as [N, F, S].
struct Dims {
  explicit Dims(const Shape& x)
      : n(x.dim(0)), f(x.dim(1)), s(x.rank() == 4 ? x.dim(2) * x.dim(3) : 1) {}
  int64_t At(int64_t i, int64_t c, int64_t p) const {
    return (i * f + c) * s + p;
  }
  int64_t n, f, s;
};

// Reference is BatchNorm computed naively in double.
struct Reference {
  std::vector<double> y;
  std::vector<double> mean, var;  // What normalized x (batch or running).
  std::vector<double> batch_mean, biased_var, unbiased_var;
  std::vector<double> new_running_mean, new_running_var;
};

Reference ReferenceBatchNorm(const Params& p, const BatchNormAttrs& attrs,
                             bool training) {
  const Dims d(p.x.shape());
  const double m = static_cast<double>(d.n * d.s);
  Reference r;
  r.y.resize(p.x.size());
  for (int64_t c = 0; c < d.f; ++c) {
    double sum = 0;
    for (int64_t i = 0; i < d.n; ++i) {
      for (int64_t q = 0; q < d.s; ++q) sum += p.x[d.At(i, c, q)];
    }
    const double mean = sum / m;
    double ss = 0;
    for (int64_t i = 0; i < d.n; ++i) {
      for (int64_t q = 0; q < d.s; ++q) {
        const double v = p.x[d.At(i, c, q)] - mean;
        ss += v * v;
      }
    }
    r.batch_mean.push_back(mean);
    r.biased_var.push_back(ss / m);
    r.unbiased_var.push_back(ss / (m - 1));
    const double mom = attrs.momentum;
    r.new_running_mean.push_back((1 - mom) * p.mean[c] + mom * mean);
    r.new_running_var.push_back((1 - mom) * p.var[c] + mom * ss / (m - 1));
    r.mean.push_back(training ? mean : p.mean[c]);
    r.var.push_back(training ? ss / m : p.var[c]);
    const double inv_std = 1 / std::sqrt(r.var[c] + attrs.epsilon);
    for (int64_t i = 0; i < d.n; ++i) {
      for (int64_t q = 0; q < d.s; ++q) {
        const int64_t k = d.At(i, c, q);
        r.y[k] = p.gamma[c] * (p.x[k] - r.mean[c]) * inv_std + p.beta[c];
      }
    }
  }
  return r;
}

// Grads is the VJP of every differentiable input for dL/dy = dy.
struct Grads {
  Tensor y, dx, dgamma, dbeta, mean, var;
};

absl::StatusOr<Grads> RunOp(Params& p, const Tensor& dy, bool training,
                            int threads,
                            const BatchNormAttrs& attrs = Attrs()) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kBatchNorm, attrs, p.shapes(), &pool);
  if (!op.ok()) return op.status();
  absl::Status s = (*op)->Forward(p.inputs(), Mode(training));
  if (!s.ok()) return s;
  Grads g{(*op)->output().Clone(),
          Tensor::Zeros(p.x.shape()),
          Tensor::Zeros(p.gamma.shape()),
          Tensor::Zeros(p.beta.shape()),
          p.mean.Clone(),
          p.var.Clone()};
  for (Tensor* t : {&g.dx, &g.dgamma, &g.dbeta}) t->Fill(std::nanf(""));
  if (!(s = (*op)->Vjp(0, dy, &g.dx)).ok()) return s;
  if (!(s = (*op)->Vjp(1, dy, &g.dgamma)).ok()) return s;
  if (!(s = (*op)->Vjp(2, dy, &g.dbeta)).ok()) return s;
  return g;
}

const Shape kShapes[] = {Shape({5, 7}),       Shape({3, 20}),
                         Shape({9, 33}),      Shape({4, 3, 5, 6}),
                         Shape({2, 5, 3, 7}), Shape({3, 2, 17, 1})};

TEST(BatchNormTest, ForwardMatchesNaiveReference) {
  for (bool training : {true, false}) {
    for (const Shape& shape : kShapes) {
      Params p = MakeParams(shape, /*seed=*/3, -2.0f, 3.0f);
      Tensor dy = RandomTensor(shape, /*seed=*/9);
      const Reference ref = ReferenceBatchNorm(p, Attrs(), training);
      auto got = RunOp(p, dy, training, 1);
      ASSERT_TRUE(got.ok()) << got.status();
      for (int64_t k = 0; k < p.x.size(); ++k) {
        ASSERT_NEAR(got->y[k], ref.y[k], 2e-6 * (1 + std::fabs(ref.y[k])))
            << shape.DebugString() << " training " << training << " " << k;
      }
    }
  }
}

TEST(BatchNormTest, LargeCommonOffsetKeepsPrecision) {
  // mean ~ 1000, std ~ 0.03: rounding the mean to float (ulp 6e-5) before
  // subtracting would cost ~1e-3 in y; the op keeps the rest of the mean.
  for (const Shape& shape : {Shape({8, 5}), Shape({4, 3, 4, 5})}) {
    Params p = MakeParams(shape, /*seed=*/5, 999.95f, 1000.05f);
    Tensor dy = RandomTensor(shape, /*seed=*/6);
    const Reference ref = ReferenceBatchNorm(p, Attrs(), true);
    auto got = RunOp(p, dy, true, 1);
    ASSERT_TRUE(got.ok()) << got.status();
    for (int64_t k = 0; k < p.x.size(); ++k) {
      ASSERT_NEAR(got->y[k], ref.y[k], 2e-5) << shape.DebugString() << " " << k;
    }
  }
}

TEST(BatchNormTest, TrainingUpdatesRunningStatistics) {
  for (const Shape& shape : kShapes) {
    for (float momentum : {0.1f, 0.0f, 1.0f}) {
      Params p = MakeParams(shape, /*seed=*/13, -1.0f, 2.0f);
      const BatchNormAttrs attrs = Attrs(1e-5f, momentum);
      const Reference ref = ReferenceBatchNorm(p, attrs, true);
      auto got = RunOp(p, RandomTensor(shape, 14), true, 1, attrs);
      ASSERT_TRUE(got.ok()) << got.status();
      for (int64_t c = 0; c < shape.dim(1); ++c) {
        EXPECT_NEAR(p.mean[c], ref.new_running_mean[c], 1e-6)
            << shape.DebugString() << " momentum " << momentum << " " << c;
        EXPECT_NEAR(p.var[c], ref.new_running_var[c],
                    1e-6 * ref.new_running_var[c])
            << shape.DebugString() << " momentum " << momentum << " " << c;
      }
      if (momentum == 1.0f) {  // The running variance is the unbiased one.
        for (int64_t c = 0; c < shape.dim(1); ++c) {
          EXPECT_NEAR(p.var[c], ref.unbiased_var[c],
                      1e-6 * ref.unbiased_var[c]);
          EXPECT_GT(ref.unbiased_var[c], ref.biased_var[c]);
        }
      }
    }
  }
}

TEST(BatchNormTest, InferenceLeavesRunningStatisticsAlone) {
  Params p = MakeParams(Shape({4, 3, 5, 6}), /*seed=*/15);
  Tensor mean = p.mean.Clone();
  Tensor var = p.var.Clone();
  auto got = RunOp(p, RandomTensor(p.x.shape(), 16), false, 1);
  ASSERT_TRUE(got.ok()) << got.status();
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_EQ(p.mean[c], mean[c]);
    EXPECT_EQ(p.var[c], var[c]);
  }
}

TEST(BatchNormTest, TrainingOutputIgnoresRunningStatistics) {
  Params a = MakeParams(Shape({6, 19}), /*seed=*/17);
  Params b = MakeParams(Shape({6, 19}), /*seed=*/17);
  b.mean.Fill(100.0f);
  b.var.Fill(1e-3f);
  Tensor dy = RandomTensor(a.x.shape(), 18);
  auto ga = RunOp(a, dy, true, 1);
  auto gb = RunOp(b, dy, true, 1);
  ASSERT_TRUE(ga.ok() && gb.ok());
  for (int64_t k = 0; k < a.x.size(); ++k) {
    ASSERT_EQ(ga->y[k], gb->y[k]) << k;
    ASSERT_EQ(ga->dx[k], gb->dx[k]) << k;
  }
}

TEST(BatchNormTest, VjpMatchesLiteralFormulas) {
  // dx = gamma inv_std / m (m dy - sum(dy) - xhat sum(dy xhat)) in training,
  // dx = gamma inv_std dy in inference; dgamma = sum(dy xhat), dbeta =
  // sum(dy), in double.
  for (bool training : {true, false}) {
    for (const Shape& shape : kShapes) {
      Params p = MakeParams(shape, /*seed=*/19, -2.0f, 2.0f);
      Tensor dy = RandomTensor(shape, /*seed=*/20);
      const Reference ref = ReferenceBatchNorm(p, Attrs(), training);
      auto got = RunOp(p, dy, training, 1);
      ASSERT_TRUE(got.ok()) << got.status();
      const Dims d(shape);
      const double m = static_cast<double>(d.n * d.s);
      for (int64_t c = 0; c < d.f; ++c) {
        const double inv_std = 1 / std::sqrt(ref.var[c] + 1e-5);
        double sum_dy = 0, sum_dy_xhat = 0;
        for (int64_t i = 0; i < d.n; ++i) {
          for (int64_t q = 0; q < d.s; ++q) {
            const int64_t k = d.At(i, c, q);
            sum_dy += dy[k];
            sum_dy_xhat += dy[k] * (p.x[k] - ref.mean[c]) * inv_std;
          }
        }
        const std::string where = shape.DebugString() + " training " +
                                  std::to_string(training) + " feature " +
                                  std::to_string(c);
        EXPECT_NEAR(got->dbeta[c], sum_dy, 1e-5 * (1 + std::fabs(sum_dy)))
            << where;
        EXPECT_NEAR(got->dgamma[c], sum_dy_xhat,
                    1e-5 * (1 + std::fabs(sum_dy_xhat)))
            << where;
        const double a = p.gamma[c] * inv_std;
        for (int64_t i = 0; i < d.n; ++i) {
          for (int64_t q = 0; q < d.s; ++q) {
            const int64_t k = d.At(i, c, q);
            const double xhat = (p.x[k] - ref.mean[c]) * inv_std;
            const double want =
                training ? a / m * (m * dy[k] - sum_dy - xhat * sum_dy_xhat)
                         : a * dy[k];
            ASSERT_NEAR(got->dx[k], want, 1e-5 * (1 + std::fabs(want)))
                << where << " element " << k;
          }
        }
      }
    }
  }
}

TEST(BatchNormTest, GradientMatchesNumeric) {
  // Odd sizes, batch > 1; rank 2 with partial and several 16-feature groups.
  for (bool training : {true, false}) {
    for (const Shape& shape : {Shape({5, 7}), Shape({7, 19}),
                               Shape({3, 4, 3, 5}), Shape({2, 3, 5, 3})}) {
      Params p = MakeParams(shape, /*seed=*/23);
      GradientCheckOptions options;
      options.training = training;
      options.wrt = {kBatchNormX, kBatchNormGamma, kBatchNormBeta};
      options.epsilon = 3e-3;
      options.rtol = 1e-2;
      options.atol = 2e-3;
      auto result =
          CheckGradients(OpKind::kBatchNorm, Attrs(), p.inputs(), options);
      EXPECT_TRUE(result.ok()) << shape.DebugString() << " training "
                               << training << ": " << result.status();
      if (result.ok()) {
        EXPECT_EQ(result->points_near_kink, 0) << shape.DebugString();
      }
    }
  }
}

TEST(BatchNormTest, OneAndTwoThreadsAgreeBitwise) {
  // Sizes that split over both threads: 5 channels of 12800 values; 5
  // channels of 40 planes of 361 = 22 * 16 + 9 values (lane tails); and 3
  // feature groups (16 + 16 + 8) of 2048 rows.
  for (bool training : {true, false}) {
    for (const Shape& shape :
         {Shape({32, 5, 20, 20}), Shape({40, 5, 19, 19}), Shape({2048, 40})}) {
      Params p1 = MakeParams(shape, /*seed=*/29, -1.0f, 3.0f);
      Params p2 = MakeParams(shape, /*seed=*/29, -1.0f, 3.0f);
      Tensor dy = RandomTensor(shape, /*seed=*/30);
      auto one = RunOp(p1, dy, training, 1);
      auto two = RunOp(p2, dy, training, 2);
      ASSERT_TRUE(one.ok() && two.ok());
      for (int64_t k = 0; k < p1.x.size(); ++k) {
        ASSERT_EQ(one->y[k], two->y[k]) << shape.DebugString() << " " << k;
        ASSERT_EQ(one->dx[k], two->dx[k]) << shape.DebugString() << " " << k;
      }
      for (int64_t c = 0; c < shape.dim(1); ++c) {
        ASSERT_EQ(one->dgamma[c], two->dgamma[c]) << c;
        ASSERT_EQ(one->dbeta[c], two->dbeta[c]) << c;
        ASSERT_EQ(p1.mean[c], p2.mean[c]) << c;
        ASSERT_EQ(p1.var[c], p2.var[c]) << c;
      }
    }
  }
}

TEST(BatchNormTest, TrainingNeedsTwoValuesPerFeature) {
  Params p = MakeParams(Shape({1, 3}), /*seed=*/31);
  Tensor dy = RandomTensor(p.x.shape(), 32);
  auto got = RunOp(p, dy, /*training=*/true, 1);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(got.status().message()).find("BatchNorm: "),
            std::string::npos);
  EXPECT_TRUE(RunOp(p, dy, /*training=*/false, 1).ok());
}

TEST(BatchNormTest, DeclaresRunningStatisticsMutableAndNonDifferentiable) {
  const OpDef* def = FindOp(OpKind::kBatchNorm);
  ASSERT_NE(def, nullptr);
  for (int i : {kBatchNormX, kBatchNormGamma, kBatchNormBeta}) {
    EXPECT_TRUE(def->IsDifferentiableInput(i)) << i;
    EXPECT_FALSE(def->mutable_inputs >> i & 1u) << i;
  }
  for (int i : {kBatchNormRunningMean, kBatchNormRunningVar}) {
    EXPECT_FALSE(def->IsDifferentiableInput(i)) << i;
    EXPECT_TRUE(def->mutable_inputs >> i & 1u) << i;
  }
}

// ExpectShapeError() requires InvalidArgument starting with "BatchNorm: ",
// naming every input shape and containing `part`.
void ExpectShapeError(const std::vector<Shape>& shapes,
                      const BatchNormAttrs& attrs, const std::string& part) {
  auto out = BatchNormShape(shapes, attrs);
  ASSERT_FALSE(out.ok()) << ShapesDebugString(shapes);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("BatchNorm: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + ShapesDebugString(shapes)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

TEST(BatchNormTest, ShapeErrors) {
  const Shape f({3});
  ExpectShapeError({Shape({4, 3, 5}), f, f, f, f}, Attrs(),
                   "x [4,3,5] must be [N, F] or [N, C, H, W]");
  ExpectShapeError({Shape({4, 3}), Shape({4}), f, f, f}, Attrs(),
                   "gamma [4] must be [F] = [3]");
  ExpectShapeError({Shape({4, 3, 2, 2}), f, f, f, Shape({3, 1})}, Attrs(),
                   "running_var [3,1] must be [F] = [3]");
  ExpectShapeError({Shape({4, 3}), f, Shape({2}), f, f}, Attrs(),
                   "beta [2] must be [F] = [3]");
  ExpectShapeError({Shape({4, 3}), f, f, f, f}, Attrs(0.0f),
                   "epsilon = 0 must be > 0");
  ExpectShapeError({Shape({4, 3}), f, f, f, f}, Attrs(std::nanf("")),
                   "epsilon = nan must be > 0");
  ExpectShapeError({Shape({4, 3}), f, f, f, f}, Attrs(1e-5f, 1.5f),
                   "momentum = 1.5 must be in [0, 1]");
  ExpectShapeError({Shape({4, 3}), f, f, f, f}, Attrs(1e-5f, -0.1f),
                   "momentum = -0.1 must be in [0, 1]");
  ExpectShapeError(
      {Shape({4, 0}), Shape({0}), Shape({0}), Shape({0}), Shape({0})}, Attrs(),
      "must have dimensions >= 1");
  ExpectShapeError({Shape({4, 3}), f, f, f}, Attrs(), "takes 5 inputs");
}

TEST(BatchNormTest, ShapeKeepsUnknownBatch) {
  const Shape f({6});
  for (const Shape& x : {Shape({Shape::kUnknownDim, 6}),
                         Shape({Shape::kUnknownDim, 6, 28, 28})}) {
    auto out = BatchNormShape({x, f, f, f, f}, Attrs());
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, x);
  }
}

}  // namespace
}  // namespace dagrad
