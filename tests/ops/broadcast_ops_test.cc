// The broadcasting binary ops: Add, Sub, Mul, Div, Maximum, Minimum
// (NumPy rules, ops/broadcasting.h), and the elementwise selection Where
// (mask, a, b of one shape; its table follows the broadcasting ops').
//
// The family table (tests/testing/op_family.h) states per op: a sweep of
// shape pairs (equal shapes, a trailing vector, a column, a scalar, both
// operands broadcast, ranks that differ), inputs kept away from each op's
// trouble (Div's b at least 0.5 from 0; Maximum and Minimum on interleaved
// grids 0.1 apart, so no tie is within epsilon and no kink is allowed), the
// naive reference (y exactly as one float operation per element; dL/dx
// summed in double over the broadcast axes: exact for equal shapes, within
// 1e-5 otherwise), the gradient check at every pair, large cases for the
// 1-vs-2-thread bitwise check, the inferred shapes (unknown batch too) and
// the shape errors.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/add.h"
#include "ops/div.h"
#include "ops/maximum.h"
#include "ops/minimum.h"
#include "ops/mul.h"
#include "ops/sub.h"
#include "ops/where.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

// An Op is one broadcasting op: y = f(a, b), its VJP terms (summed over
// the broadcast axes) and how to draw its operands.
struct Op {
  OpKind kind;
  OpAttrs attrs;
  float (*f)(float a, float b);
  float (*da)(float dy, float a, float b);
  float (*db)(float dy, float a, float b);
  // operand(shape, seed, k) draws operand k (0: a, 1: b).
  Tensor (*operand)(const Shape& shape, uint64_t seed, int k);
};

Tensor Uniform(const Shape& shape, uint64_t seed, int) {
  return RandomTensor(shape, seed);
}

// b in +-[0.5, 1.5): |a / b| <= 2 and no pole nearby.
Tensor DivOperand(const Shape& shape, uint64_t seed, int k) {
  if (k == 0) return RandomTensor(shape, seed);
  Tensor t = RandomTensorAwayFromZero(shape, seed, 1.0f / 3);
  for (int64_t i = 0; i < t.size(); ++i) t[i] *= 1.5f;
  return t;
}

// a on the grid 0.2 k, b on 0.2 k + 0.1 (k whole): every pair is at least
// 0.1 apart, far from a tie at epsilon 1e-2.
Tensor GridOperand(const Shape& shape, uint64_t seed, int k) {
  Tensor t = RandomTensor(shape, seed);
  for (int64_t i = 0; i < t.size(); ++i) {
    t[i] = 0.2f * std::floor(5.0f * t[i]) + (k == 0 ? 0.0f : 0.1f);
  }
  return t;
}

std::vector<Op> Ops() {
  return {
      {OpKind::kAdd, AddAttrs{}, [](float a, float b) { return a + b; },
       [](float dy, float, float) { return dy; },
       [](float dy, float, float) { return dy; }, Uniform},
      {OpKind::kSub, SubAttrs{}, [](float a, float b) { return a - b; },
       [](float dy, float, float) { return dy; },
       [](float dy, float, float) { return -dy; }, Uniform},
      {OpKind::kMul, MulAttrs{}, [](float a, float b) { return a * b; },
       [](float dy, float, float b) { return dy * b; },
       [](float dy, float a, float) { return dy * a; }, Uniform},
      {OpKind::kDiv, DivAttrs{}, [](float a, float b) { return a / b; },
       [](float dy, float, float b) { return dy / b; },
       [](float dy, float a, float b) { return -dy * a / (b * b); },
       DivOperand},
      {OpKind::kMaximum, MaximumAttrs{},
       [](float a, float b) { return a >= b ? a : b; },
       [](float dy, float a, float b) { return a >= b ? dy : 0.0f; },
       [](float dy, float a, float b) { return a >= b ? 0.0f : dy; },
       GridOperand},
      {OpKind::kMinimum, MinimumAttrs{},
       [](float a, float b) { return a <= b ? a : b; },
       [](float dy, float a, float b) { return a <= b ? dy : 0.0f; },
       [](float dy, float a, float b) { return a <= b ? 0.0f : dy; },
       GridOperand},
  };
}

// Broadcast() is NumPy's output shape of two fully defined shapes.
Shape Broadcast(const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(rank);
  for (int d = 0; d < rank; ++d) {
    const int ia = d - (rank - a.rank()), ib = d - (rank - b.rank());
    const int64_t ad = ia < 0 ? 1 : a.dim(ia), bd = ib < 0 ? 1 : b.dim(ib);
    dims[d] = ad == 1 ? bd : ad;
  }
  return Shape(absl::Span<const int64_t>(dims));
}

// SourceIndex() is the element of `in` that output element i of `out`
// reads (the naive way: unravel i, clamp broadcast axes to 0, ravel).
int64_t SourceIndex(const Shape& out, const Shape& in, int64_t i) {
  int64_t index = 0, stride = 1;
  for (int d = out.rank() - 1; d >= 0; --d) {
    const int64_t coord = i % out.dim(d);
    i /= out.dim(d);
    const int id = d - (out.rank() - in.rank());
    if (id < 0) continue;
    if (in.dim(id) != 1) index += coord * stride;
    stride *= in.dim(id);
  }
  return index;
}

ReferenceFn BroadcastReference(const Op& op) {
  return [op](const ReferenceArgs& args) {
    const Tensor& a = args.inputs[0];
    const Tensor& b = args.inputs[1];
    Reference r;
    r.y_shape = Broadcast(a.shape(), b.shape());
    r.grads = {std::vector<double>(a.size()), std::vector<double>(b.size())};
    for (int64_t i = 0; i < r.y_shape->num_elements(); ++i) {
      const int64_t ia = SourceIndex(*r.y_shape, a.shape(), i);
      const int64_t ib = SourceIndex(*r.y_shape, b.shape(), i);
      r.y.push_back(op.f(a[ia], b[ib]));
      r.grads[0][ia] += op.da(args.dy[i], a[ia], b[ib]);
      r.grads[1][ib] += op.db(args.dy[i], a[ia], b[ib]);
    }
    return r;
  };
}

std::string PairLabel(const Shape& a, const Shape& b) {
  return ShapeLabel(a) + "_" + ShapeLabel(b);
}

OpCase PairCase(const Op& op, const std::string& what, const Shape& a,
                const Shape& b, uint64_t seed) {
  return MakeCase(op.kind, op.attrs, what + "_" + PairLabel(a, b), [=] {
    return Inputs(op.operand(a, seed, 0), op.operand(b, seed + 1, 1));
  });
}

std::vector<OpCase> BroadcastCases() {
  const std::vector<std::pair<Shape, Shape>> pairs = {
      {Shape({3, 5, 7}), Shape({3, 5, 7})},
      {Shape({4, 9}), Shape({9})},
      {Shape({4, 9}), Shape({4, 1})},
      {Shape({3, 1}), Shape({2, 3, 4})},
      {Shape({2, 1, 4}), Shape({1, 3, 1})},
      {Shape({5}), Shape()},
      {Shape(), Shape({2, 3})},
      {Shape({2, 3, 1, 5}), Shape({3, 4, 1})},
      {Shape({1, 3}), Shape({3})},
      {Shape({4, 1, 17}), Shape({4, 3, 17})},
  };
  const std::vector<std::pair<Shape, Shape>> large = {
      {Shape({100003}), Shape({100003})},
      {Shape({257, 300}), Shape({300})},
      {Shape({257, 300}), Shape({257, 1})},
      {Shape({16, 20, 12, 12}), Shape({20, 1, 1})},
      {Shape({64, 1, 33}), Shape({1, 50, 33})},
  };
  std::vector<OpCase> cases;
  for (const Op& op : Ops()) {
    const ReferenceFn reference = BroadcastReference(op);
    for (const auto& [a, b] : pairs) {
      OpCase r = PairCase(op, "reference", a, b, 1);
      r.reference = reference;
      // One float operation per y; a one-term sum is exact too.
      if (a.num_elements() != b.num_elements()) {
        r.grad_tolerance = Tolerance::Near(1e-5, 1e-5);
      }
      cases.push_back(r);
      OpCase g = PairCase(op, "gradient", a, b, 11);
      g.gradient = GradientCheckOptions{};
      cases.push_back(g);
    }
    for (const auto& [a, b] : large) {
      OpCase t = PairCase(op, "threads", a, b, 5);
      t.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 7); };
      t.bitwise_threads = true;
      cases.push_back(t);
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Broadcast, OpCaseTest,
                         ::testing::ValuesIn(BroadcastCases()), OpCaseName);

// Where: masks of zeros and nonzeros (a NaN counts as nonzero); y and both
// VJPs exact.
std::vector<OpCase> WhereCases() {
  auto make = [](const Shape& shape, uint64_t seed) {
    return [=] {
      Tensor mask = RandomTensor(shape, seed);
      for (int64_t i = 0; i < mask.size(); ++i) {
        mask[i] = mask[i] < 0 ? 0.0f : (mask[i] < 0.9f ? mask[i] : NAN);
      }
      return Inputs(std::move(mask), RandomTensor(shape, seed + 1),
                    RandomTensor(shape, seed + 2));
    };
  };
  const ReferenceFn reference = [](const ReferenceArgs& args) {
    const Tensor& m = args.inputs[0];
    Reference r;
    r.y_shape = m.shape();
    r.grads = {
        {}, std::vector<double>(m.size()), std::vector<double>(m.size())};
    for (int64_t i = 0; i < m.size(); ++i) {
      const bool pick_a = m[i] != 0.0f;
      r.y.push_back(pick_a ? args.inputs[1][i] : args.inputs[2][i]);
      r.grads[1][i] = pick_a ? args.dy[i] : 0.0;
      r.grads[2][i] = pick_a ? 0.0 : args.dy[i];
    }
    return r;
  };
  std::vector<OpCase> cases;
  for (const Shape& shape : {Shape({7}), Shape({3, 5, 7}), Shape()}) {
    OpCase r = MakeCase(OpKind::kWhere, WhereAttrs{},
                        "reference_" + ShapeLabel(shape), make(shape, 1));
    r.reference = reference;
    cases.push_back(r);
    OpCase g = MakeCase(OpKind::kWhere, WhereAttrs{},
                        "gradient_" + ShapeLabel(shape), make(shape, 11));
    g.gradient = GradientCheckOptions{};
    cases.push_back(g);
  }
  OpCase t = MakeCase(OpKind::kWhere, WhereAttrs{}, "threads",
                      make(Shape({100003}), 5));
  t.reference = reference;
  t.bitwise_threads = true;
  cases.push_back(t);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Where, OpCaseTest, ::testing::ValuesIn(WhereCases()),
                         OpCaseName);

std::vector<ShapeErrorCase> WhereShapeErrorCases() {
  return {{"Where_a",
           OpKind::kWhere,
           WhereAttrs{},
           {Shape({2, 3}), Shape({3}), Shape({2, 3})},
           {"mask, a and b must have one shape"}},
          {"Where_b",
           OpKind::kWhere,
           WhereAttrs{},
           {Shape({2, 3}), Shape({2, 3}), Shape({2, 1})},
           {"no broadcasting"}},
          {"Where_two_inputs",
           OpKind::kWhere,
           WhereAttrs{},
           {Shape({2, 3}), Shape({2, 3})},
           {"inputs, got 2"}}};
}

INSTANTIATE_TEST_SUITE_P(Where, ShapeErrorTest,
                         ::testing::ValuesIn(WhereShapeErrorCases()),
                         ShapeErrorCaseName);

// Tie-breaking, stated in the headers: a tie sends dL/dy to a (input 0).
TEST(BroadcastTiesTest, MaximumAndMinimumSendTiesToA) {
  for (OpKind kind : {OpKind::kMaximum, OpKind::kMinimum}) {
    SCOPED_TRACE(OpName(kind));
    const OpAttrs attrs = kind == OpKind::kMaximum ? OpAttrs(MaximumAttrs{})
                                                   : OpAttrs(MinimumAttrs{});
    std::vector<Tensor> in = Inputs(Tensor::FromValues(Shape({3}), {1, 2, 3}),
                                    Tensor::FromValues(Shape({1}), {2}));
    const Tensor dy = Tensor::FromValues(Shape({3}), {10, 20, 30});
    auto r = RunOp(kind, attrs, in, &dy, 1);
    ASSERT_TRUE(r.ok()) << r.status();
    const bool max = kind == OpKind::kMaximum;
    EXPECT_EQ(r->y[0], max ? 2.0f : 1.0f);
    EXPECT_EQ(r->y[1], 2.0f);
    EXPECT_EQ(r->grads[0][1], 20.0f);  // The tie.
    EXPECT_EQ(r->grads[0][0], max ? 0.0f : 10.0f);
    EXPECT_EQ(r->grads[1][0], max ? 10.0f : 30.0f);
  }
}

std::vector<ShapeCase> BroadcastShapeCases() {
  struct Row {
    std::string label;
    Shape a, b, want;
  };
  const Row rows[] = {
      {"equal", Shape({2, 3}), Shape({2, 3}), Shape({2, 3})},
      {"scalars", Shape(), Shape(), Shape()},
      {"vector", Shape({4, 3}), Shape({3}), Shape({4, 3})},
      {"column", Shape({4, 1}), Shape({1, 3}), Shape({4, 3})},
      {"ranks", Shape({2, 1}), Shape({4, 1, 3}), Shape({4, 2, 3})},
      {"batch_column", Shape({kUnknown, 32}), Shape({kUnknown, 1}),
       Shape({kUnknown, 32})},
      {"batch_vector", Shape({kUnknown, 32}), Shape({32}),
       Shape({kUnknown, 32})},
      {"batch_known", Shape({kUnknown, 1}), Shape({5, 4}), Shape({5, 4})},
      {"zero", Shape({0, 3}), Shape({1, 3}), Shape({0, 3})},
  };
  std::vector<ShapeCase> cases;
  for (const Op& op : Ops()) {
    for (const Row& row : rows) {
      cases.push_back({absl::StrCat(OpName(op.kind), "_", row.label),
                       op.kind,
                       op.attrs,
                       {row.a, row.b},
                       row.want});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Broadcast, ShapeInferenceTest,
                         ::testing::ValuesIn(BroadcastShapeCases()),
                         ShapeCaseName);

std::vector<ShapeErrorCase> BroadcastShapeErrorCases() {
  std::vector<ShapeErrorCase> cases;
  for (const Op& op : Ops()) {
    const std::string name = OpName(op.kind);
    cases.push_back(
        {name + "_last_axis",
         op.kind,
         op.attrs,
         {Shape({2, 3}), Shape({3, 2})},
         {"a [2,3] and b [3,2] do not broadcast", "axis -2: 2 vs 3"}});
    cases.push_back({name + "_batch",
                     op.kind,
                     op.attrs,
                     {Shape({kUnknown, 32}), Shape({kUnknown, 3})},
                     {"axis -1: 32 vs 3"}});
    cases.push_back({name + "_leading",
                     op.kind,
                     op.attrs,
                     {Shape({4, 2, 3}), Shape({5, 1, 3})},
                     {"axis -3: 4 vs 5"}});
    cases.push_back({name + "_one_input",
                     op.kind,
                     op.attrs,
                     {Shape({2, 3})},
                     {"inputs, got 1"}});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Broadcast, ShapeErrorTest,
                         ::testing::ValuesIn(BroadcastShapeErrorCases()),
                         ShapeErrorCaseName);

}  // namespace
}  // namespace dagrad
