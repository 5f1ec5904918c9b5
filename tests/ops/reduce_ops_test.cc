// The reductions Sum and Mean, over every element or one axis, with and
// without keep_dims. Mean is Sum scaled by 1/count, so one table states
// both: the output shapes, the axis errors, the reference (a double sum,
// divided by the count for Mean), the gradient sweep over every axis
// spelling and keep_dims (smooth: no kink allowed), and a 61 x 1001 case
// for the 1-vs-2-thread bitwise check.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/mean.h"
#include "ops/sum.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int kAll = ReduceAttrs::kAllAxes;
constexpr OpKind kReductions[] = {OpKind::kMean, OpKind::kSum};

OpAttrs Attrs(OpKind kind, int axis, bool keep_dims) {
  if (kind == OpKind::kSum) {
    SumAttrs attrs;
    attrs.axis = axis;
    attrs.keep_dims = keep_dims;
    return attrs;
  }
  MeanAttrs attrs;
  attrs.axis = axis;
  attrs.keep_dims = keep_dims;
  return attrs;
}

std::string AxisLabel(int axis, bool keep_dims) {
  return absl::StrCat(
      axis == kAll ? std::string("all")
                   : absl::StrCat("axis", axis < 0 ? "m" : "", std::abs(axis)),
      keep_dims ? "_keep" : "");
}

// ReduceReference() is the sum (or, for Mean, the mean) over `axis` of x,
// in double; VJPs are left to the gradient checker.
ReferenceFn ReduceReference(OpKind kind, int axis) {
  return [kind, axis](const ReferenceArgs& args) {
    const Tensor& x = args.inputs[0];
    const Shape& s = x.shape();
    int64_t outer = 1, d = x.size(), inner = 1;
    if (axis != kAll) {
      const int a = axis < 0 ? axis + s.rank() : axis;
      outer = inner = 1;
      for (int i = 0; i < a; ++i) outer *= s.dim(i);
      for (int i = a + 1; i < s.rank(); ++i) inner *= s.dim(i);
      d = s.dim(a);
    }
    Reference r;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        double acc = 0;
        for (int64_t j = 0; j < d; ++j) acc += x[(o * d + j) * inner + i];
        r.y.push_back(kind == OpKind::kMean ? acc / static_cast<double>(d)
                                            : acc);
      }
    }
    return r;
  };
}

std::vector<OpCase> ReduceCases() {
  std::vector<OpCase> cases;
  for (OpKind kind : kReductions) {
    // Every element: a tolerance relative to 1 + |y| (long sums).
    for (int64_t n : {1, 17, 4096, 10007}) {
      OpCase c = MakeCase(
          kind, Attrs(kind, kAll, false), absl::StrCat("reference_all_", n),
          [n] {
            return Inputs(RandomTensor(Shape({n}), static_cast<uint64_t>(n)));
          });
      c.reference = ReduceReference(kind, kAll);
      c.y_tolerance = Tolerance::Near(1e-5, 1e-5);
      cases.push_back(c);
    }
    for (int axis = 0; axis < 3; ++axis) {
      OpCase c = MakeCase(kind, Attrs(kind, axis, false),
                          absl::StrCat("reference_axis", axis), [] {
                            return Inputs(RandomTensor(Shape({3, 5, 7}), 2));
                          });
      c.reference = ReduceReference(kind, axis);
      c.y_tolerance = Tolerance::Near(1e-5, 0);
      cases.push_back(c);
    }
    for (int axis : {kAll, 0, 1, 2, -1, -3}) {
      for (bool keep_dims : {false, true}) {
        OpCase c = MakeCase(kind, Attrs(kind, axis, keep_dims),
                            "gradient_" + AxisLabel(axis, keep_dims), [] {
                              return Inputs(RandomTensor(Shape({3, 4, 5}), 11));
                            });
        c.gradient = GradientCheckOptions{};
        cases.push_back(c);
      }
    }
    for (int axis : {kAll, 0, 1}) {
      OpCase c = MakeCase(kind, Attrs(kind, axis, false),
                          "threads_" + AxisLabel(axis, false), [] {
                            return Inputs(RandomTensor(Shape({61, 1001}), 5));
                          });
      c.dy = [](const Tensor& y) { return RandomTensor(y.shape(), 6); };
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
    int axis;
    bool keep_dims;
    Shape want;
  };
  const Row rows[] = {
      {kAll, false, Shape()},       {kAll, true, Shape({1, 1, 1})},
      {0, false, Shape({3, 4})},    {1, false, Shape({2, 4})},
      {2, false, Shape({2, 3})},    {-1, false, Shape({2, 3})},
      {-3, true, Shape({1, 3, 4})}, {1, true, Shape({2, 1, 4})},
  };
  std::vector<ShapeCase> cases;
  for (OpKind kind : kReductions) {
    for (const Row& row : rows) {
      cases.push_back(
          {absl::StrCat(OpName(kind), "_", AxisLabel(row.axis, row.keep_dims)),
           kind,
           Attrs(kind, row.axis, row.keep_dims),
           {Shape({2, 3, 4})},
           row.want});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Reduce, ShapeInferenceTest,
                         ::testing::ValuesIn(ReduceShapeCases()),
                         ShapeCaseName);

std::vector<ShapeErrorCase> ReduceShapeErrorCases() {
  std::vector<ShapeErrorCase> cases;
  for (OpKind kind : kReductions) {
    for (int axis : {3, -4, 100}) {
      cases.push_back({absl::StrCat(OpName(kind), "_", AxisLabel(axis, false)),
                       kind,
                       Attrs(kind, axis, false),
                       {Shape({2, 3, 4})},
                       {std::to_string(axis)}});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Reduce, ShapeErrorTest,
                         ::testing::ValuesIn(ReduceShapeErrorCases()),
                         ShapeErrorCaseName);

}  // namespace
}  // namespace dagrad
