// The reductions Sum and Mean, over every element or a set of axes, with
// and without keep_dims. Mean is Sum scaled by 1/count, so one table states
// both: the output shapes, the axes errors (out of range, listed twice),
// the reference (a double sum, divided by the count for Mean), the
// gradient sweep over ranks 1-4, axis sets (negative, unordered, several,
// all) and keep_dims (smooth: no kink allowed), and the 1-vs-2-thread
// bitwise check over one and over two separate runs of reduced axes. ReduceMax
// has its own table (below): an exact reference, the gradient on inputs whose
// elements are all at least 0.05 apart (no tie within epsilon: no kink
// allowed), the thread check, and the first-maximum rule for ties. The global
// pools (NCHW -> [N, C]) are the mean and the max over each plane: the same
// references with the plane as the reduced axis.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "ops/global_avg_pool.h"
#include "ops/global_max_pool.h"
#include "ops/mean.h"
#include "ops/reduce_max.h"
#include "ops/sum.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int kAll = ReduceAttrs::kAllAxes;
constexpr OpKind kReductions[] = {OpKind::kMean, OpKind::kSum};
using Axes = std::vector<int>;

OpAttrs Attrs(OpKind kind, const Axes& axes, bool keep_dims) {
  if (kind == OpKind::kSum) {
    SumAttrs attrs;
    attrs.axes = axes;
    attrs.keep_dims = keep_dims;
    return attrs;
  }
  MeanAttrs attrs;
  attrs.axes = axes;
  attrs.keep_dims = keep_dims;
  return attrs;
}

std::string AxisName(int axis) {
  return absl::StrCat(axis < 0 ? "m" : "", std::abs(axis));
}

std::string AxesLabel(const Axes& axes, bool keep_dims) {
  std::string label = axes.empty() ? "all" : "axes";
  for (int axis : axes) absl::StrAppend(&label, "_", AxisName(axis));
  return absl::StrCat(label, keep_dims ? "_keep" : "");
}

// ReduceReference() is the sum (or, for Mean, the mean) of x over `axes`
// (empty: every axis), in double, in row-major order of the kept axes;
// VJPs are left to the gradient checker.
ReferenceFn ReduceReference(OpKind kind, Axes axes) {
  return [kind, axes](const ReferenceArgs& args) {
    const Tensor& x = args.inputs[0];
    const Shape& s = x.shape();
    const int rank = s.rank();
    std::vector<bool> reduced(rank, axes.empty());
    for (int axis : axes) reduced[axis < 0 ? axis + rank : axis] = true;
    int64_t outputs = 1, count = 1;
    for (int d = 0; d < rank; ++d) {
      (reduced[d] ? count : outputs) *= s.dim(d);
    }
    std::vector<double> sums(outputs, 0.0);
    std::vector<int64_t> index(rank, 0);
    for (int64_t i = 0; i < x.size(); ++i) {
      int64_t out = 0;
      for (int d = 0; d < rank; ++d) {
        if (!reduced[d]) out = out * s.dim(d) + index[d];
      }
      sums[out] += x[i];
      for (int d = rank - 1; d >= 0 && ++index[d] == s.dim(d); --d) {
        index[d] = 0;
      }
    }
    Reference r;
    for (double sum : sums) {
      r.y.push_back(kind == OpKind::kMean ? sum / static_cast<double>(count)
                                          : sum);
    }
    return r;
  };
}

// GradientSweep() lists, per rank 1..4, the shape and the axis sets the
// gradient check covers (each with keep_dims both ways).
std::vector<std::pair<Shape, std::vector<Axes>>> GradientSweep() {
  return {
      {Shape({6}), {{}, {0}, {-1}}},
      {Shape({3, 4}), {{}, {0}, {1}, {-1}, {0, 1}, {1, 0}}},
      {Shape({3, 4, 5}),
       {{}, {0}, {1}, {2}, {-1}, {-3}, {0, 2}, {1, 2}, {0, 1}, {2, 0, 1}}},
      {Shape({2, 3, 4, 5}),
       {{1}, {2, 3}, {1, 3}, {0, 2, 3}, {-1, -3}, {0, 1, 2, 3}}},
  };
}

std::vector<OpCase> ReduceCases() {
  std::vector<OpCase> cases;
  for (OpKind kind : kReductions) {
    // Every element: a tolerance relative to 1 + |y| (long sums).
    for (int64_t n : {1, 17, 4096, 10007}) {
      OpCase c = MakeCase(
          kind, Attrs(kind, {}, false), absl::StrCat("reference_all_", n), [n] {
            return Inputs(RandomTensor(Shape({n}), static_cast<uint64_t>(n)));
          });
      c.reference = ReduceReference(kind, {});
      c.y_tolerance = Tolerance::Near(1e-5, 1e-5);
      cases.push_back(c);
    }
    for (const Axes& axes : std::vector<Axes>{
             {0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1}, {-1, 0}, {0, 1, 2}}) {
      for (bool keep_dims : {false, true}) {
        OpCase c = MakeCase(kind, Attrs(kind, axes, keep_dims),
                            "reference_" + AxesLabel(axes, keep_dims), [] {
                              return Inputs(RandomTensor(Shape({3, 5, 7}), 2));
                            });
        c.reference = ReduceReference(kind, axes);
        c.y_tolerance = Tolerance::Near(1e-5, 1e-6);
        cases.push_back(c);
      }
    }
    for (const auto& [shape, axis_sets] : GradientSweep()) {
      for (const Axes& axes : axis_sets) {
        for (bool keep_dims : {false, true}) {
          OpCase c = MakeCase(
              kind, Attrs(kind, axes, keep_dims),
              absl::StrCat("gradient_", ShapeLabel(shape), "_",
                           AxesLabel(axes, keep_dims)),
              [shape = shape] { return Inputs(RandomTensor(shape, 11)); });
          c.gradient = GradientCheckOptions{};
          cases.push_back(c);
        }
      }
    }
    // One reduced run, and two separate runs (the scratch path).
    const std::pair<Shape, Axes> threads[] = {
        {Shape({61, 1001}), {}},          {Shape({61, 1001}), {0}},
        {Shape({61, 1001}), {1}},         {Shape({8, 61, 3, 131}), {0, 2}},
        {Shape({8, 61, 3, 131}), {1, 3}},
    };
    for (const auto& [shape, axes] : threads) {
      OpCase c =
          MakeCase(kind, Attrs(kind, axes, false),
                   absl::StrCat("threads_", ShapeLabel(shape), "_",
                                AxesLabel(axes, false)),
                   [shape = shape] { return Inputs(RandomTensor(shape, 5)); });
      c.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 6); };
      if (!axes.empty()) {
        c.reference = ReduceReference(kind, axes);
        c.y_tolerance = Tolerance::Near(1e-4, 1e-5);
      }
      c.bitwise_threads = true;
      cases.push_back(c);
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Reduce, OpCaseTest, ::testing::ValuesIn(ReduceCases()),
                         OpCaseName);

std::vector<ShapeCase> ReduceShapeCases() {
  struct Row {
    Shape x;
    Axes axes;
    bool keep_dims;
    Shape want;
  };
  const Shape x({2, 3, 4});
  const Shape batch({Shape::kUnknownDim, 3, 4});
  const Row rows[] = {
      {x, {}, false, Shape()},
      {x, {}, true, Shape({1, 1, 1})},
      {x, {0}, false, Shape({3, 4})},
      {x, {1}, false, Shape({2, 4})},
      {x, {2}, false, Shape({2, 3})},
      {x, {-1}, false, Shape({2, 3})},
      {x, {-3}, true, Shape({1, 3, 4})},
      {x, {1}, true, Shape({2, 1, 4})},
      {x, {0, 2}, false, Shape({3})},
      {x, {2, 0}, true, Shape({1, 3, 1})},
      {x, {-1, 0}, false, Shape({3})},
      {x, {0, 1, 2}, false, Shape()},
      {x, {0, 1, 2}, true, Shape({1, 1, 1})},
      {batch, {1, 2}, false, Shape({Shape::kUnknownDim})},
      {batch, {-2, -1}, true, Shape({Shape::kUnknownDim, 1, 1})},
      {Shape(), {}, false, Shape()},
  };
  std::vector<ShapeCase> cases;
  for (OpKind kind : kReductions) {
    for (const Row& row : rows) {
      cases.push_back({absl::StrCat(OpName(kind), "_", ShapeLabel(row.x), "_",
                                    AxesLabel(row.axes, row.keep_dims)),
                       kind,
                       Attrs(kind, row.axes, row.keep_dims),
                       {row.x},
                       row.want});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Reduce, ShapeInferenceTest,
                         ::testing::ValuesIn(ReduceShapeCases()),
                         ShapeCaseName);

std::vector<ShapeErrorCase> ReduceShapeErrorCases() {
  struct Row {
    Axes axes;
    std::vector<std::string> parts;
  };
  const Row rows[] = {
      {{3}, {"axis 3 of axes [3] is out of range for x [2,3,4] of rank 3"}},
      {{-4}, {"axis -4 of axes [-4] is out of range", "(valid: [-3, 3))"}},
      {{100}, {"axis 100"}},
      {{0, 5}, {"axis 5 of axes [0,5]"}},
      {{0, 0}, {"axis 0 is listed twice in axes [0,0] for x [2,3,4]"}},
      {{1, -2}, {"axis 1 is listed twice in axes [1,-2]"}},
  };
  std::vector<ShapeErrorCase> cases;
  for (OpKind kind : kReductions) {
    for (const Row& row : rows) {
      cases.push_back(
          {absl::StrCat(OpName(kind), "_", AxesLabel(row.axes, false)),
           kind,
           Attrs(kind, row.axes, false),
           {Shape({2, 3, 4})},
           row.parts});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Reduce, ShapeErrorTest,
                         ::testing::ValuesIn(ReduceShapeErrorCases()),
                         ShapeErrorCaseName);

// ---------------------------------------------------------------------------
// ReduceMax.

std::string AxisLabel(int axis, bool keep_dims) {
  return absl::StrCat(
      axis == kAll ? std::string("all") : absl::StrCat("axis", AxisName(axis)),
      keep_dims ? "_keep" : "");
}

ReduceMaxAttrs MaxAttrs(int axis, bool keep_dims) {
  ReduceMaxAttrs attrs;
  attrs.axis = axis;
  attrs.keep_dims = keep_dims;
  return attrs;
}

// Distinct() is a tensor whose elements are a shuffled 0.05 k (k < size),
// minus 1: every two at least 0.05 apart.
Tensor Distinct(const Shape& shape, uint64_t seed) {
  Tensor order = RandomTensor(shape, seed);
  std::vector<int64_t> index(order.size());
  for (int64_t i = 0; i < order.size(); ++i) index[i] = i;
  std::sort(index.begin(), index.end(),
            [&](int64_t a, int64_t b) { return order[a] < order[b]; });
  Tensor t = Tensor::Zeros(shape);
  for (int64_t k = 0; k < t.size(); ++k) t[index[k]] = 0.05f * k - 1.0f;
  return t;
}

// MaxReference() is y = the max over `axis` and dL/dx = dy at the first
// maximum, exactly.
ReferenceFn MaxReference(int axis) {
  return [axis](const ReferenceArgs& args) {
    const Tensor& x = args.inputs[0];
    const Shape& s = x.shape();
    int64_t outer = 1, d = x.size(), inner = 1;
    if (axis != kAll) {
      const int a = axis < 0 ? axis + s.rank() : axis;
      for (int i = 0; i < a; ++i) outer *= s.dim(i);
      for (int i = a + 1; i < s.rank(); ++i) inner *= s.dim(i);
      d = s.dim(a);
    }
    Reference r;
    r.grads.assign(1, std::vector<double>(x.size(), 0.0));
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        int64_t best = 0;
        for (int64_t j = 1; j < d; ++j) {
          if (x[(o * d + j) * inner + i] > x[(o * d + best) * inner + i]) {
            best = j;
          }
        }
        r.y.push_back(x[(o * d + best) * inner + i]);
        r.grads[0][(o * d + best) * inner + i] = args.dy[o * inner + i];
      }
    }
    return r;
  };
}

std::vector<OpCase> ReduceMaxCases() {
  std::vector<OpCase> cases;
  for (int axis : {kAll, 0, 1, 2, -1}) {
    for (bool keep_dims : {false, true}) {
      const std::string label = AxisLabel(axis, keep_dims);
      OpCase r = MakeCase(OpKind::kReduceMax, MaxAttrs(axis, keep_dims),
                          "reference_" + label, [] {
                            return Inputs(RandomTensor(Shape({3, 5, 7}), 2));
                          });
      r.reference = MaxReference(axis);  // Exact.
      cases.push_back(r);
      OpCase g = MakeCase(OpKind::kReduceMax, MaxAttrs(axis, keep_dims),
                          "gradient_" + label, [] {
                            return Inputs(Distinct(Shape({3, 4, 5}), 11));
                          });
      g.gradient = GradientCheckOptions{};
      cases.push_back(g);
    }
  }
  for (int axis : {kAll, 0, 1}) {
    OpCase c = MakeCase(OpKind::kReduceMax, MaxAttrs(axis, false),
                        "threads_" + AxisLabel(axis, false), [] {
                          return Inputs(RandomTensor(Shape({61, 1001}), 5));
                        });
    c.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 6); };
    c.reference = MaxReference(axis);
    c.bitwise_threads = true;
    cases.push_back(c);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(ReduceMax, OpCaseTest,
                         ::testing::ValuesIn(ReduceMaxCases()), OpCaseName);

std::vector<ShapeCase> ReduceMaxShapeCases() {
  return {
      {"all",
       OpKind::kReduceMax,
       MaxAttrs(kAll, false),
       {Shape({2, 3})},
       Shape()},
      {"axis1_keep",
       OpKind::kReduceMax,
       MaxAttrs(1, true),
       {Shape({Shape::kUnknownDim, 3})},
       Shape({Shape::kUnknownDim, 1})},
      {"axism1",
       OpKind::kReduceMax,
       MaxAttrs(-1, false),
       {Shape({2, 3, 4})},
       Shape({2, 3})},
  };
}

INSTANTIATE_TEST_SUITE_P(ReduceMax, ShapeInferenceTest,
                         ::testing::ValuesIn(ReduceMaxShapeCases()),
                         ShapeCaseName);

std::vector<ShapeErrorCase> ReduceMaxShapeErrorCases() {
  return {
      {"ReduceMax_axis3",
       OpKind::kReduceMax,
       MaxAttrs(3, false),
       {Shape({2, 3, 4})},
       {"axis 3 is out of range"}},
      {"ReduceMax_axism4",
       OpKind::kReduceMax,
       MaxAttrs(-4, false),
       {Shape({2, 3, 4})},
       {"axis -4"}},
  };
}

INSTANTIATE_TEST_SUITE_P(ReduceMax, ShapeErrorTest,
                         ::testing::ValuesIn(ReduceMaxShapeErrorCases()),
                         ShapeErrorCaseName);

TEST(ReduceMaxTest, TiesGoToTheFirstAndEdgesFollowTheHeader) {
  std::vector<Tensor> in =
      Inputs(Tensor::FromValues(Shape({2, 3}), {1, 5, 5,  //
                                                std::nanf(""), 2, 3}));
  const Tensor dy = Tensor::FromValues(Shape({2}), {10, 20});
  auto r = RunOp(OpKind::kReduceMax, MaxAttrs(1, false), in, &dy, 1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->y[0], 5.0f);
  EXPECT_TRUE(std::isnan(r->y[1]));
  const float want_dx[] = {0, 10, 0, 0, 0, 0};  // NaN: no maximum to route to.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r->grads[0][i], want_dx[i]) << i;

  Tensor empty = Tensor::Zeros(Shape({2, 0}));
  auto y = RunForward(OpKind::kReduceMax, MaxAttrs(1, false), {&empty});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ((*y)[0], -std::numeric_limits<float>::infinity());
}

// ---------------------------------------------------------------------------
// GlobalAvgPool and GlobalMaxPool: x [N, C, H, W] viewed as [N C, H W].

// PlaneReference() is the mean or max reference over the flattened planes.
ReferenceFn PlaneReference(OpKind kind) {
  return [kind](const ReferenceArgs& args) {
    const Shape& s = args.inputs[0].shape();
    Tensor flat = args.inputs[0].Clone();
    Tensor dy = args.dy.Clone();
    const Shape planes({s.dim(0) * s.dim(1), s.dim(2) * s.dim(3)});
    std::vector<Tensor> in = Inputs(Tensor::View(planes, flat.data()));
    ReferenceArgs flat_args{in, args.y, dy};
    Reference r = kind == OpKind::kGlobalMaxPool
                      ? MaxReference(1)(flat_args)
                      : ReduceReference(OpKind::kMean, {1})(flat_args);
    r.y_shape = Shape({s.dim(0), s.dim(1)});
    return r;
  };
}

std::vector<OpCase> GlobalPoolCases() {
  std::vector<OpCase> cases;
  for (OpKind kind : {OpKind::kGlobalAvgPool, OpKind::kGlobalMaxPool}) {
    const OpAttrs attrs = kind == OpKind::kGlobalAvgPool
                              ? OpAttrs(GlobalAvgPoolAttrs{})
                              : OpAttrs(GlobalMaxPoolAttrs{});
    for (const Shape& shape :
         {Shape({2, 3, 4, 5}), Shape({1, 1, 1, 1}), Shape({3, 2, 7, 1})}) {
      OpCase r = MakeCase(kind, attrs, "reference_" + ShapeLabel(shape),
                          [=] { return Inputs(RandomTensor(shape, 2)); });
      r.reference = PlaneReference(kind);
      r.y_tolerance = Tolerance::Near(1e-6, 1e-6);
      cases.push_back(r);
      OpCase g = MakeCase(kind, attrs, "gradient_" + ShapeLabel(shape),
                          [=] { return Inputs(Distinct(shape, 11)); });
      g.gradient = GradientCheckOptions{};
      cases.push_back(g);
    }
    OpCase t = MakeCase(kind, attrs, "threads", [] {
      return Inputs(RandomTensor(Shape({64, 50, 7, 7}), 5));
    });
    t.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 6); };
    t.bitwise_threads = true;
    cases.push_back(t);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(GlobalPool, OpCaseTest,
                         ::testing::ValuesIn(GlobalPoolCases()), OpCaseName);

std::vector<ShapeErrorCase> GlobalPoolShapeErrorCases() {
  std::vector<ShapeErrorCase> cases;
  for (OpKind kind : {OpKind::kGlobalAvgPool, OpKind::kGlobalMaxPool}) {
    const OpAttrs attrs = kind == OpKind::kGlobalAvgPool
                              ? OpAttrs(GlobalAvgPoolAttrs{})
                              : OpAttrs(GlobalMaxPoolAttrs{});
    const std::string name = OpName(kind);
    cases.push_back({name + "_rank3",
                     kind,
                     attrs,
                     {Shape({2, 3, 4})},
                     {"x [2,3,4] must be [N, C, H, W]"}});
    cases.push_back({name + "_empty_plane",
                     kind,
                     attrs,
                     {Shape({2, 3, 0, 4})},
                     {"C, H, W >= 1"}});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(GlobalPool, ShapeErrorTest,
                         ::testing::ValuesIn(GlobalPoolShapeErrorCases()),
                         ShapeErrorCaseName);

std::vector<ShapeCase> GlobalPoolShapeCases() {
  return {{"GlobalAvgPool_batch",
           OpKind::kGlobalAvgPool,
           GlobalAvgPoolAttrs{},
           {Shape({Shape::kUnknownDim, 8, 7, 7})},
           Shape({Shape::kUnknownDim, 8})},
          {"GlobalMaxPool_batch",
           OpKind::kGlobalMaxPool,
           GlobalMaxPoolAttrs{},
           {Shape({Shape::kUnknownDim, 8, 7, 7})},
           Shape({Shape::kUnknownDim, 8})}};
}

INSTANTIATE_TEST_SUITE_P(GlobalPool, ShapeInferenceTest,
                         ::testing::ValuesIn(GlobalPoolShapeCases()),
                         ShapeCaseName);

}  // namespace
}  // namespace dagrad
