#include "ops/mat_mul.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

MatMulAttrs Attrs(bool ta, bool tb) {
  MatMulAttrs attrs;
  attrs.transpose_a = ta;
  attrs.transpose_b = tb;
  return attrs;
}

// Stored shapes of a and b for op(a) [m,k], op(b) [k,n].
Shape AShape(bool ta, int64_t m, int64_t k) { return ta ? Shape({k, m}) : Shape({m, k}); }
Shape BShape(bool tb, int64_t k, int64_t n) { return tb ? Shape({n, k}) : Shape({k, n}); }

TEST(MatMulTest, ForwardMatchesNaiveReferenceAllTransposes) {
  const int64_t m = 37, k = 19, n = 23;  // m > kMatMulRowBlock, odd sizes.
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Tensor a = RandomTensor(AShape(ta, m, k), /*seed=*/1);
      Tensor b = RandomTensor(BShape(tb, k, n), /*seed=*/2);
      auto y = RunForward(OpKind::kMatMul, Attrs(ta, tb), {&a, &b});
      ASSERT_TRUE(y.ok()) << y.status();
      ASSERT_EQ(y->shape(), Shape({m, n}));
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          double acc = 0;
          for (int64_t p = 0; p < k; ++p) {
            const float av = ta ? a[p * m + i] : a[i * k + p];
            const float bv = tb ? b[j * k + p] : b[p * n + j];
            acc += static_cast<double>(av) * bv;
          }
          EXPECT_NEAR((*y)[i * n + j], acc, 1e-4)
              << "ta=" << ta << " tb=" << tb << " i=" << i << " j=" << j;
        }
      }
    }
  }
}

TEST(MatMulTest, GradientMatchesNumericAllTransposes) {
  struct Dims { int64_t m, k, n; };
  for (const Dims& d : {Dims{3, 5, 4}, Dims{7, 1, 3}, Dims{35, 6, 5}}) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        Tensor a = RandomTensor(AShape(ta, d.m, d.k), /*seed=*/11);
        Tensor b = RandomTensor(BShape(tb, d.k, d.n), /*seed=*/12);
        GradientCheckOptions options;
        options.epsilon = 1e-2;
        auto result =
            CheckGradients(OpKind::kMatMul, Attrs(ta, tb), {&a, &b}, options);
        EXPECT_TRUE(result.ok()) << "m=" << d.m << " k=" << d.k << " n=" << d.n
                                 << " ta=" << ta << " tb=" << tb << ": "
                                 << result.status();
      }
    }
  }
}

void ExpectShapeError(const Shape& a, const Shape& b, const MatMulAttrs& attrs,
                      const std::string& extra) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kMatMul, attrs, {a, b}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(op.status().message());
  EXPECT_NE(msg.find("MatMul"), std::string::npos) << msg;
  EXPECT_NE(msg.find(a.DebugString()), std::string::npos) << msg;
  EXPECT_NE(msg.find(b.DebugString()), std::string::npos) << msg;
  EXPECT_NE(msg.find(extra), std::string::npos) << msg;
}

TEST(MatMulTest, ShapeErrors) {
  ExpectShapeError(Shape({2, 3, 4}), Shape({4, 5}), Attrs(false, false),
                   "rank 2");
  ExpectShapeError(Shape({3}), Shape({3, 5}), Attrs(false, false), "rank 2");
  ExpectShapeError(Shape({2, 3}), Shape({4, 5}), Attrs(false, false),
                   "transpose_a=false");
  // [3,2]^T is [2,3]: inner 3 vs b's 4.
  ExpectShapeError(Shape({3, 2}), Shape({4, 5}), Attrs(true, false),
                   "transpose_a=true");
  // Valid without transpose_b, invalid with it.
  ExpectShapeError(Shape({2, 3}), Shape({3, 5}), Attrs(false, true),
                   "transpose_b=true");
}

TEST(MatMulTest, OneAndTwoThreadsAreBitwiseEqual) {
  const int64_t m = 100, k = 78, n = 45;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Tensor a = RandomTensor(AShape(ta, m, k), /*seed=*/3);
      Tensor b = RandomTensor(BShape(tb, k, n), /*seed=*/4);
      Tensor dy = RandomTensor(Shape({m, n}), /*seed=*/5);
      ThreadPool pool1(1), pool2(2);
      auto op1 = EagerOp::Create(OpKind::kMatMul, Attrs(ta, tb),
                                 {a.shape(), b.shape()}, &pool1);
      auto op2 = EagerOp::Create(OpKind::kMatMul, Attrs(ta, tb),
                                 {a.shape(), b.shape()}, &pool2);
      ASSERT_TRUE(op1.ok() && op2.ok());
      ASSERT_TRUE((*op1)->Forward({&a, &b}).ok());
      ASSERT_TRUE((*op2)->Forward({&a, &b}).ok());
      for (int64_t i = 0; i < m * n; ++i) {
        ASSERT_EQ((*op1)->output()[i], (*op2)->output()[i]);
      }
      for (int wrt : {0, 1}) {
        const Shape& s = wrt == 0 ? a.shape() : b.shape();
        Tensor d1 = Tensor::Zeros(s), d2 = Tensor::Zeros(s);
        ASSERT_TRUE((*op1)->Vjp(wrt, dy, &d1).ok());
        ASSERT_TRUE((*op2)->Vjp(wrt, dy, &d2).ok());
        for (int64_t i = 0; i < d1.size(); ++i) {
          ASSERT_EQ(d1[i], d2[i]) << "ta=" << ta << " tb=" << tb
                                  << " wrt=" << wrt << " i=" << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace dagrad
