#include "ops/bias_add.h"

#include <cmath>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

int64_t Spatial(const Shape& s) {
  int64_t n = 1;
  for (int d = 2; d < s.rank(); ++d) n *= s.dim(d);
  return n;
}

TEST(BiasAddTest, ForwardMatchesNaiveReference) {
  for (const Shape& shape : {Shape({5, 7}), Shape({3, 4, 5, 6}), Shape({2, 3, 9})}) {
    Tensor x = RandomTensor(shape, /*seed=*/1);
    Tensor b = RandomTensor(Shape({shape.dim(1)}), /*seed=*/2);
    auto y = RunForward(OpKind::kBiasAdd, BiasAddAttrs{}, {&x, &b});
    ASSERT_TRUE(y.ok()) << y.status();
    const int64_t c_dim = shape.dim(1), spatial = Spatial(shape);
    for (int64_t i = 0; i < x.size(); ++i) {
      const int64_t c = (i / spatial) % c_dim;
      ASSERT_EQ((*y)[i], x[i] + b[c]) << shape.DebugString() << " " << i;
    }
  }
}

TEST(BiasAddTest, BiasGradientMatchesNaiveReference) {
  for (const Shape& shape : {Shape({37, 70}), Shape({3, 4, 5, 6})}) {
    Tensor x = RandomTensor(shape, /*seed=*/1);
    Tensor b = RandomTensor(Shape({shape.dim(1)}), /*seed=*/2);
    Tensor dy = RandomTensor(shape, /*seed=*/3);
    ThreadPool pool(1);
    auto op = EagerOp::Create(OpKind::kBiasAdd, BiasAddAttrs{},
                              {x.shape(), b.shape()}, &pool);
    ASSERT_TRUE(op.ok());
    ASSERT_TRUE((*op)->Forward({&x, &b}).ok());
    Tensor db = Tensor::Zeros(b.shape());
    ASSERT_TRUE((*op)->Vjp(1, dy, &db).ok());
    const int64_t c_dim = shape.dim(1), spatial = Spatial(shape);
    for (int64_t c = 0; c < c_dim; ++c) {
      double acc = 0;
      for (int64_t i = 0; i < dy.size(); ++i) {
        if ((i / spatial) % c_dim == c) acc += dy[i];
      }
      EXPECT_NEAR(db[c], acc, 1e-4) << shape.DebugString() << " c " << c;
    }
  }
}

TEST(BiasAddTest, GradientMatchesNumeric) {
  for (const Shape& shape : {Shape({4, 9}), Shape({2, 3, 4, 5}), Shape({3, 2, 17})}) {
    Tensor x = RandomTensor(shape, /*seed=*/11);
    Tensor b = RandomTensor(Shape({shape.dim(1)}), /*seed=*/12);
    auto result = CheckGradients(OpKind::kBiasAdd, BiasAddAttrs{}, {&x, &b});
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

void ExpectShapeError(const Shape& x, const Shape& b) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kBiasAdd, BiasAddAttrs{}, {x, b}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(op.status().message());
  EXPECT_NE(msg.find("BiasAdd"), std::string::npos) << msg;
  EXPECT_NE(msg.find(x.DebugString()), std::string::npos) << msg;
  EXPECT_NE(msg.find(b.DebugString()), std::string::npos) << msg;
}

TEST(BiasAddTest, ShapeErrors) {
  ExpectShapeError(Shape({5}), Shape({5}));            // rank < 2
  ExpectShapeError(Shape({4, 5}), Shape({4}));         // C mismatch
  ExpectShapeError(Shape({4, 5, 6, 6}), Shape({6}));   // C is axis 1, not last
  ExpectShapeError(Shape({4, 5}), Shape({1, 5}));      // bias not rank 1
}

TEST(BiasAddTest, OneAndTwoThreadsAreBitwiseEqual) {
  for (const Shape& shape : {Shape({257, 300}), Shape({64, 20, 12, 12})}) {
    Tensor x = RandomTensor(shape, /*seed=*/1);
    Tensor b = RandomTensor(Shape({shape.dim(1)}), /*seed=*/2);
    Tensor dy = RandomTensor(shape, /*seed=*/3);
    ThreadPool pool1(1), pool2(2);
    auto op1 = EagerOp::Create(OpKind::kBiasAdd, BiasAddAttrs{},
                               {x.shape(), b.shape()}, &pool1);
    auto op2 = EagerOp::Create(OpKind::kBiasAdd, BiasAddAttrs{},
                               {x.shape(), b.shape()}, &pool2);
    ASSERT_TRUE(op1.ok() && op2.ok());
    ASSERT_TRUE((*op1)->Forward({&x, &b}).ok());
    ASSERT_TRUE((*op2)->Forward({&x, &b}).ok());
    for (int64_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ((*op1)->output()[i], (*op2)->output()[i]);
    }
    Tensor db1 = Tensor::Zeros(b.shape()), db2 = Tensor::Zeros(b.shape());
    ASSERT_TRUE((*op1)->Vjp(1, dy, &db1).ok());
    ASSERT_TRUE((*op2)->Vjp(1, dy, &db2).ok());
    for (int64_t c = 0; c < b.size(); ++c) ASSERT_EQ(db1[c], db2[c]) << c;
    Tensor dx = Tensor::Zeros(x.shape());
    ASSERT_TRUE((*op2)->Vjp(0, dy, &dx).ok());
    for (int64_t i = 0; i < x.size(); ++i) ASSERT_EQ(dx[i], dy[i]);
  }
}

}  // namespace
}  // namespace dagrad
