// FusedActivation: gradient checks against central differences, and the
// fused results bitwise equal to the unfused ops' at 1 and 2 threads.
#include "ops/fused_activation.h"

#include <cstring>
#include <memory>
#include <vector>

#include "core/thread_pool.h"
#include "gtest/gtest.h"
#include "ops/bias_add.h"
#include "ops/conv2d.h"
#include "ops/eager.h"
#include "ops/mat_mul.h"
#include "ops/max_pool2d.h"
#include "ops/relu.h"
#include "ops/sigmoid.h"
#include "ops/tanh.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// Ramp() has distinct values (no max-pool ties, no ReLU input at 0).
Tensor Ramp(const Shape& shape, float step, int64_t salt) {
  Tensor t = Tensor::Zeros(shape);
  for (int64_t i = 0; i < t.size(); ++i) {
    t[i] = (static_cast<float>((i * 37 + salt) % 101) - 50.3f) * step;
  }
  return t;
}

TEST(FusedActivationTest, GradientsMatchCentralDifferences) {
  {
    FusedActivationAttrs a = *MakeFusedActivation(
        OpKind::kMatMul, MatMulAttrs{}, /*bias=*/true, OpKind::kTanh);
    Tensor x = Ramp(Shape({3, 4}), 0.01f, 1);
    Tensor w = Ramp(Shape({4, 2}), 0.01f, 2);
    Tensor b = Ramp(Shape({2}), 0.01f, 3);
    auto r = CheckGradients(OpKind::kFusedActivation, a, {&x, &w, &b});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_GT(r->max_abs_numeric, 1e-2);
  }
  {
    Conv2DAttrs same;
    same.padding = Padding::kSame;
    FusedActivationAttrs a = *MakeFusedActivation(
        OpKind::kConv2D, same, /*bias=*/false, OpKind::kSigmoid);
    Tensor x = Ramp(Shape({2, 2, 5, 5}), 0.02f, 4);
    Tensor w = Ramp(Shape({3, 2, 3, 3}), 0.02f, 5);
    Tensor b = Ramp(Shape({3}), 0.02f, 6);
    auto r = CheckGradients(OpKind::kFusedActivation, a, {&x, &w, &b});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  {
    FusedActivationAttrs a = *MakeFusedActivation(
        OpKind::kMaxPool2D, MaxPool2DAttrs{}, /*bias=*/false, OpKind::kRelu);
    Tensor x = Ramp(Shape({2, 3, 6, 6}), 0.05f, 7);
    GradientCheckOptions o;
    o.epsilon = 1e-3;  // Well below the gaps between the distinct values.
    auto r = CheckGradients(OpKind::kFusedActivation, a, {&x}, o);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  EXPECT_FALSE(MakeFusedActivation(OpKind::kMaxPool2D, MaxPool2DAttrs{},
                                   /*bias=*/true, OpKind::kRelu)
                   .ok());
  EXPECT_FALSE(MakeFusedActivation(OpKind::kMatMul, MatMulAttrs{}, false,
                                   OpKind::kConv2D)
                   .ok());
}

// RunOp() runs one op forward and its VJP wrt `wrt` with dL/dy = dy.
struct Ran {
  Tensor y, dx;
};
Ran RunOp(OpKind kind, OpAttrs attrs, std::vector<Tensor*> in, const Tensor* dy,
          int wrt, ThreadPool* pool) {
  std::vector<Shape> shapes;
  for (Tensor* t : in) shapes.push_back(t->shape());
  std::unique_ptr<EagerOp> op = *EagerOp::Create(kind, attrs, shapes, pool);
  EXPECT_TRUE(op->Forward(in).ok());
  Ran r{op->output().Clone(), Tensor::Zeros(in[wrt]->shape())};
  if (dy != nullptr) EXPECT_TRUE(op->Vjp(wrt, *dy, &r.dx).ok());
  return r;
}

bool SameBits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

TEST(FusedActivationTest, BitwiseTheUnfusedOps) {
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    Tensor x = Ramp(Shape({40, 30}), 0.01f, 1);
    Tensor w = Ramp(Shape({30, 20}), 0.01f, 2);
    Tensor b = Ramp(Shape({20}), 0.01f, 3);
    Tensor dy = Ramp(Shape({40, 20}), 0.1f, 4);
    FusedActivationAttrs a = *MakeFusedActivation(
        OpKind::kMatMul, MatMulAttrs{}, /*bias=*/true, OpKind::kRelu);
    // Unfused: z = x w + b, y = relu(z); dz = relu'(dy), dW = x^T dz.
    Ran m = RunOp(OpKind::kMatMul, MatMulAttrs{}, {&x, &w}, nullptr, 0, &pool);
    Ran ba =
        RunOp(OpKind::kBiasAdd, BiasAddAttrs{}, {&m.y, &b}, nullptr, 0, &pool);
    Ran r = RunOp(OpKind::kRelu, ReluAttrs{}, {&ba.y}, &dy, 0, &pool);
    Ran dbias =
        RunOp(OpKind::kBiasAdd, BiasAddAttrs{}, {&m.y, &b}, &r.dx, 1, &pool);
    Ran dw = RunOp(OpKind::kMatMul, MatMulAttrs{}, {&x, &w}, &r.dx, 1, &pool);
    Ran fused_w =
        RunOp(OpKind::kFusedActivation, a, {&x, &w, &b}, &dy, 1, &pool);
    Ran fused_b =
        RunOp(OpKind::kFusedActivation, a, {&x, &w, &b}, &dy, 2, &pool);
    EXPECT_TRUE(SameBits(fused_w.y, r.y)) << threads;
    EXPECT_TRUE(SameBits(fused_w.dx, dw.dx)) << threads;
    EXPECT_TRUE(SameBits(fused_b.dx, dbias.dx)) << threads;
  }
}

TEST(FusedActivationTest, LabelNamesTheChain) {
  EXPECT_EQ(FusedActivationLabel(*MakeFusedActivation(
                OpKind::kConv2D, Conv2DAttrs{}, true, OpKind::kTanh)),
            "Conv2D+BiasAdd+Tanh");
  EXPECT_EQ(OpLabel(**GetOp(OpKind::kFusedActivation),
                    *MakeFusedActivation(OpKind::kMaxPool2D, MaxPool2DAttrs{},
                                         false, OpKind::kRelu)),
            "MaxPool2D+Relu");
}

}  // namespace
}  // namespace dagrad
