// The binary ops BiasAdd (a bias per channel, axis 1) and MatMul (with
// either operand transposed). The broadcasting elementwise ops (Add, Mul,
// ...) are tests/ops/broadcast_ops_test.cc.
//
// The family table (tests/testing/op_family.h) states per op: the shape and
// attribute sweep, the inputs (uniform in [-1, 1); none of these ops has a
// kink), the naive reference forward and VJPs with their tolerances, the
// gradient checker's settings, the large cases for the 1-vs-2-thread bitwise
// check and the shape errors.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/bias_add.h"
#include "ops/mat_mul.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

// Spatial() is the product of the dimensions after the channel axis (1).
int64_t Spatial(const Shape& s) {
  int64_t n = 1;
  for (int d = 2; d < s.rank(); ++d) n *= s.dim(d);
  return n;
}

// BiasAddReference(): y = x + b[c] exactly, dL/dx = dy exactly, dL/db[c] =
// the sum of dy over channel c (in double).
Reference BiasAddReference(const ReferenceArgs& args) {
  const Tensor& x = args.inputs[0];
  const Tensor& b = args.inputs[1];
  const int64_t channels = x.shape().dim(1), spatial = Spatial(x.shape());
  Reference r;
  r.y_shape = x.shape();
  r.grads.assign(2, {});
  r.grads[1].assign(channels, 0.0);
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t c = (i / spatial) % channels;
    r.y.push_back(x[i] + b[c]);
    r.grads[0].push_back(args.dy[i]);
    r.grads[1][c] += args.dy[i];
  }
  return r;
}

MatMulAttrs Transposes(bool ta, bool tb) {
  MatMulAttrs attrs;
  attrs.transpose_a = ta;
  attrs.transpose_b = tb;
  return attrs;
}

// Stored shapes of a and b for op(a) [m,k], op(b) [k,n].
Shape AShape(bool ta, int64_t m, int64_t k) {
  return ta ? Shape({k, m}) : Shape({m, k});
}
Shape BShape(bool tb, int64_t k, int64_t n) {
  return tb ? Shape({n, k}) : Shape({k, n});
}

// MatMulReference() is y = op(a) op(b) in double (VJPs not compared: the
// gradient checker covers them).
Reference MatMulReference(const ReferenceArgs& args, bool ta, bool tb) {
  const Tensor& a = args.inputs[0];
  const Tensor& b = args.inputs[1];
  const int64_t m = a.shape().dim(ta ? 1 : 0);
  const int64_t k = a.shape().dim(ta ? 0 : 1);
  const int64_t n = b.shape().dim(tb ? 0 : 1);
  Reference r;
  r.y_shape = Shape({m, n});
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        const float av = ta ? a[p * m + i] : a[i * k + p];
        const float bv = tb ? b[j * k + p] : b[p * n + j];
        acc += static_cast<double>(av) * bv;
      }
      r.y.push_back(acc);
    }
  }
  return r;
}

std::vector<OpCase> BinaryCases() {
  std::vector<OpCase> cases;
  // BiasAdd: exact y and dx; db within 1e-4 of the double sum.
  auto bias_add = [&](const std::string& label, const Shape& shape,
                      uint64_t seed) {
    return MakeCase(
        OpKind::kBiasAdd, BiasAddAttrs{}, label + "_" + ShapeLabel(shape), [=] {
          return Inputs(RandomTensor(shape, seed),
                        RandomTensor(Shape({shape.dim(1)}), seed + 1));
        });
  };
  for (const Shape& shape :
       {Shape({5, 7}), Shape({3, 4, 5, 6}), Shape({2, 3, 9}), Shape({37, 70}),
        Shape({257, 300}), Shape({64, 20, 12, 12})}) {
    const bool large = shape.num_elements() > 10000;
    OpCase c = bias_add(large ? "threads" : "reference", shape, 1);
    c.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 3); };
    c.reference = BiasAddReference;
    c.grad_tolerance = Tolerance::Near(1e-4, 0);
    c.bitwise_threads = large;
    cases.push_back(c);
  }
  for (const Shape& shape :
       {Shape({4, 9}), Shape({2, 3, 4, 5}), Shape({3, 2, 17})}) {
    OpCase c = bias_add("gradient", shape, 11);
    c.gradient = GradientCheckOptions{};
    cases.push_back(c);
  }

  // MatMul, every transpose combination.
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const std::string t = absl::StrCat("ta", ta, "_tb", tb);
      {
        // m > kMatMulRowBlock, odd sizes.
        const int64_t m = 37, k = 19, n = 23;
        OpCase c = MakeCase(OpKind::kMatMul, Transposes(ta, tb),
                            "reference_" + t, [=] {
                              return Inputs(RandomTensor(AShape(ta, m, k), 1),
                                            RandomTensor(BShape(tb, k, n), 2));
                            });
        c.reference = [ta, tb](const ReferenceArgs& args) {
          return MatMulReference(args, ta, tb);
        };
        c.y_tolerance = Tolerance::Near(1e-4, 0);
        cases.push_back(c);
      }
      struct Dims {
        int64_t m, k, n;
      };
      for (const Dims& d : {Dims{3, 5, 4}, Dims{7, 1, 3}, Dims{35, 6, 5}}) {
        OpCase c = MakeCase(
            OpKind::kMatMul, Transposes(ta, tb),
            absl::StrCat("gradient_", t, "_", d.m, "x", d.k, "x", d.n), [=] {
              return Inputs(RandomTensor(AShape(ta, d.m, d.k), 11),
                            RandomTensor(BShape(tb, d.k, d.n), 12));
            });
        c.gradient = GradientOptions(1e-2, 1e-2, 1e-3);
        cases.push_back(c);
      }
      {
        const int64_t m = 100, k = 78, n = 45;
        OpCase c =
            MakeCase(OpKind::kMatMul, Transposes(ta, tb), "threads_" + t, [=] {
              return Inputs(RandomTensor(AShape(ta, m, k), 3),
                            RandomTensor(BShape(tb, k, n), 4));
            });
        c.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 5); };
        c.bitwise_threads = true;
        cases.push_back(c);
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Binary, OpCaseTest, ::testing::ValuesIn(BinaryCases()),
                         OpCaseName);

std::vector<ShapeErrorCase> BinaryShapeErrorCases() {
  std::vector<ShapeErrorCase> cases = {
      {"BiasAdd_rank1",
       OpKind::kBiasAdd,
       BiasAddAttrs{},
       {Shape({5}), Shape({5})},
       {}},
      {"BiasAdd_channels",
       OpKind::kBiasAdd,
       BiasAddAttrs{},
       {Shape({4, 5}), Shape({4})},
       {}},
      // C is axis 1, not the last.
      {"BiasAdd_channels_axis1",
       OpKind::kBiasAdd,
       BiasAddAttrs{},
       {Shape({4, 5, 6, 6}), Shape({6})},
       {}},
      {"BiasAdd_bias_rank2",
       OpKind::kBiasAdd,
       BiasAddAttrs{},
       {Shape({4, 5}), Shape({1, 5})},
       {}},
      {"MatMul_rank3",
       OpKind::kMatMul,
       Transposes(false, false),
       {Shape({2, 3, 4}), Shape({4, 5})},
       {"rank 2"}},
      {"MatMul_rank1",
       OpKind::kMatMul,
       Transposes(false, false),
       {Shape({3}), Shape({3, 5})},
       {"rank 2"}},
      {"MatMul_inner",
       OpKind::kMatMul,
       Transposes(false, false),
       {Shape({2, 3}), Shape({4, 5})},
       {"transpose_a=false"}},
      // [3,2]^T is [2,3]: inner 3 vs b's 4.
      {"MatMul_inner_ta",
       OpKind::kMatMul,
       Transposes(true, false),
       {Shape({3, 2}), Shape({4, 5})},
       {"transpose_a=true"}},
      // Valid without transpose_b, invalid with it.
      {"MatMul_inner_tb",
       OpKind::kMatMul,
       Transposes(false, true),
       {Shape({2, 3}), Shape({3, 5})},
       {"transpose_b=true"}},
  };
  for (const auto& [kind, attrs] : std::vector<std::pair<OpKind, OpAttrs>>{
           {OpKind::kBiasAdd, BiasAddAttrs{}},
           {OpKind::kMatMul, Transposes(false, false)}}) {
    cases.push_back({absl::StrCat(OpName(kind), "_one_input"),
                     kind,
                     attrs,
                     {Shape({2, 3})},
                     {"inputs, got 1"}});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Binary, ShapeErrorTest,
                         ::testing::ValuesIn(BinaryShapeErrorCases()),
                         ShapeErrorCaseName);

}  // namespace
}  // namespace dagrad
