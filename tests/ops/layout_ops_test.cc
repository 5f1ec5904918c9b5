// The layout ops: Concat (along any axis), Slice (a box per axis), Pad
// (a constant around x), Transpose (any permutation) and Gather (table rows by
// index, with repeats). Each moves elements without arithmetic, so the
// reference (naive index arithmetic: unravel the output index, map it, ravel)
// is exact for y and for every dL/dx but Gather's table gradient, a sum over
// repeated indices (in double: within 1e-6).
//
// The family table (tests/testing/op_family.h) states per op: a sweep over
// axes, boxes and permutations with its exact reference, the gradient check
// (linear: no kink allowed), large uneven cases for the 1-vs-2-thread
// bitwise check, the inferred shapes (unknown batch too) and the shape
// errors with the parts their messages must name.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "ops/concat.h"
#include "ops/eager.h"
#include "ops/gather.h"
#include "ops/pad.h"
#include "ops/slice.h"
#include "ops/transpose.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

ConcatAttrs ConcatOn(int axis) {
  ConcatAttrs attrs;
  attrs.axis = axis;
  return attrs;
}

SliceAttrs Box(std::vector<int64_t> begin, std::vector<int64_t> size) {
  SliceAttrs attrs;
  attrs.begin = std::move(begin);
  attrs.size = std::move(size);
  return attrs;
}

TransposeAttrs Perm(std::vector<int> perm) {
  TransposeAttrs attrs;
  attrs.perm = std::move(perm);
  return attrs;
}

// Unravel() is the coordinates of flat index i in `s`; Ravel() inverts it.
std::vector<int64_t> Unravel(const Shape& s, int64_t i) {
  std::vector<int64_t> c(s.rank());
  for (int d = s.rank() - 1; d >= 0; --d) {
    c[d] = i % s.dim(d);
    i /= s.dim(d);
  }
  return c;
}

int64_t Ravel(const Shape& s, const std::vector<int64_t>& c) {
  int64_t i = 0;
  for (int d = 0; d < s.rank(); ++d) i = i * s.dim(d) + c[d];
  return i;
}

// GatherReference() is y[i] = inputs[k][j] with (k, j) = source(coords of
// y's element i), and dL/dx_k[j] = the dy of every such i (0 elsewhere).
using Source = std::function<std::pair<int, int64_t>(
    const std::vector<Tensor>& inputs, std::vector<int64_t> coords)>;
ReferenceFn GatherReference(Shape y_shape, Source source) {
  return [=](const ReferenceArgs& args) {
    Reference r;
    r.y_shape = y_shape;
    for (const Tensor& x : args.inputs) {
      r.grads.push_back(std::vector<double>(x.size(), 0.0));
    }
    for (int64_t i = 0; i < y_shape.num_elements(); ++i) {
      const auto [k, j] = source(args.inputs, Unravel(y_shape, i));
      r.y.push_back(args.inputs[k][j]);
      r.grads[k][j] += args.dy[i];
    }
    return r;
  };
}

Source ConcatSource(int axis) {
  return [axis](const std::vector<Tensor>& in, std::vector<int64_t> c) {
    const int a = axis < 0 ? axis + in[0].shape().rank() : axis;
    int k = 0;
    while (c[a] >= in[k].shape().dim(a)) c[a] -= in[k++].shape().dim(a);
    return std::make_pair(k, Ravel(in[k].shape(), c));
  };
}

Source SliceSource(std::vector<int64_t> begin) {
  return [begin](const std::vector<Tensor>& in, std::vector<int64_t> c) {
    for (size_t d = 0; d < c.size(); ++d) c[d] += begin[d];
    return std::make_pair(0, Ravel(in[0].shape(), c));
  };
}

Source TransposeSource(std::vector<int> perm) {
  return [perm](const std::vector<Tensor>& in, std::vector<int64_t> c) {
    std::vector<int64_t> xc(c.size());
    for (size_t d = 0; d < c.size(); ++d) xc[perm[d]] = c[d];
    return std::make_pair(0, Ravel(in[0].shape(), xc));
  };
}

// InputsFn makes a case's inputs from a seed.
using InputsFn = std::function<std::vector<Tensor>(uint64_t seed)>;

// AddCases() adds a reference case (with the 1-vs-2-thread check instead
// of a gradient check when `large`) and a gradient case.
void AddCases(OpKind kind, const OpAttrs& attrs, const std::string& label,
              const InputsFn& make, const ReferenceFn& reference,
              Tolerance grad_tolerance, bool large,
              std::vector<OpCase>* cases) {
  OpCase r = MakeCase(kind, attrs, (large ? "threads_" : "reference_") + label,
                      [make] { return make(1); });
  r.reference = reference;
  r.grad_tolerance = grad_tolerance;
  r.bitwise_threads = large;
  r.dy = [](const Tensor& t) { return RandomTensor(t.shape(), 9); };
  cases->push_back(r);
  if (!large) {
    OpCase g =
        MakeCase(kind, attrs, "gradient_" + label, [make] { return make(11); });
    g.gradient = GradientCheckOptions{};
    cases->push_back(g);
  }
}

// AddLayoutCases() is AddCases() with uniform inputs of `inputs` shapes and
// the exact GatherReference() of `source`, output `y`.
void AddLayoutCases(OpKind kind, const OpAttrs& attrs, const std::string& label,
                    std::vector<Shape> inputs, const Shape& y,
                    const Source& source, bool large,
                    std::vector<OpCase>* cases) {
  auto make = [inputs](uint64_t seed) {
    std::vector<Tensor> t;
    for (size_t i = 0; i < inputs.size(); ++i) {
      t.push_back(RandomTensor(inputs[i], seed + i));
    }
    return t;
  };
  AddCases(kind, attrs, label, make, GatherReference(y, source),
           Tolerance::Exact(), large, cases);
}

// Ids() is a tensor of whole numbers uniform in [0, rows), as floats.
Tensor Ids(const Shape& shape, int64_t rows, uint64_t seed) {
  Tensor t = RandomTensor(shape, seed, 0.0f, static_cast<float>(rows));
  for (int64_t i = 0; i < t.size(); ++i) {
    t[i] = std::min(std::floor(t[i]), static_cast<float>(rows - 1));
  }
  return t;
}

PadAttrs Pads(std::vector<int64_t> before, std::vector<int64_t> after,
              float value) {
  PadAttrs attrs;
  attrs.before = std::move(before);
  attrs.after = std::move(after);
  attrs.value = value;
  return attrs;
}

// Pad: y is `value` outside x's box; dL/dx is dy inside it, exactly.
void AddPadCases(std::vector<OpCase>* cases) {
  struct Row {
    Shape x;
    std::vector<int64_t> before, after;
    float value;
    bool large;
  };
  const Row rows[] = {
      {Shape({3, 4}), {1, 0}, {2, 3}, 0.0f, false},
      {Shape({2, 3, 4, 4}), {0, 0, 2, 2}, {0, 0, 2, 2}, -1.5f, false},
      {Shape({5}), {0}, {0}, 7.0f, false},
      {Shape({2, 1, 3}), {1, 2, 0}, {0, 1, 4}, 0.25f, false},
      {Shape({64, 6, 28, 28}), {0, 0, 2, 1}, {0, 0, 2, 3}, 0.0f, true},
  };
  for (const Row& row : rows) {
    const PadAttrs attrs = Pads(row.before, row.after, row.value);
    const std::string label =
        ShapeLabel(row.x) + "_before_" + absl::StrJoin(row.before, "_");
    auto make = [row](uint64_t seed) {
      return Inputs(RandomTensor(row.x, seed));
    };
    auto reference = [row](const ReferenceArgs& args) {
      const Tensor& x = args.inputs[0];
      std::vector<int64_t> dims;
      for (int d = 0; d < row.x.rank(); ++d) {
        dims.push_back(row.x.dim(d) + row.before[d] + row.after[d]);
      }
      Reference want;
      want.y_shape = Shape(absl::Span<const int64_t>(dims));
      want.grads.assign(1, std::vector<double>(x.size()));
      for (int64_t i = 0; i < want.y_shape->num_elements(); ++i) {
        std::vector<int64_t> c = Unravel(*want.y_shape, i);
        bool inside = true;
        for (int d = 0; d < row.x.rank(); ++d) {
          c[d] -= row.before[d];
          inside = inside && c[d] >= 0 && c[d] < row.x.dim(d);
        }
        if (!inside) {
          want.y.push_back(row.value);
          continue;
        }
        const int64_t j = Ravel(row.x, c);
        want.y.push_back(x[j]);
        want.grads[0][j] = args.dy[i];
      }
      return want;
    };
    AddCases(OpKind::kPad, attrs, label, make, reference, Tolerance::Exact(),
             row.large, cases);
  }
}

// Gather: the table [V, ...] and ids of `index` shape; ids repeat (more
// positions than rows) so the scatter-add sums.
void AddGatherCases(std::vector<OpCase>* cases) {
  struct Row {
    Shape table, index;
    bool large;
  };
  const Row rows[] = {
      {Shape({5, 3}), Shape({7}), false},
      {Shape({4, 2, 3}), Shape({2, 3}), false},
      {Shape({6}), Shape({3, 4}), false},
      {Shape({3, 4}), Shape(), false},
      {Shape({1000, 32}), Shape({64, 50}), true},
  };
  for (const Row& row : rows) {
    const std::string label =
        ShapeLabel(row.table) + "_by_" + ShapeLabel(row.index);
    auto make = [row](uint64_t seed) {
      return Inputs(RandomTensor(row.table, seed),
                    Ids(row.index, row.table.dim(0), seed + 1));
    };
    std::vector<int64_t> dims(row.index.dims().begin(), row.index.dims().end());
    for (int i = 1; i < row.table.rank(); ++i) dims.push_back(row.table.dim(i));
    const ReferenceFn gather = GatherReference(
        Shape(absl::Span<const int64_t>(dims)),
        [](const std::vector<Tensor>& in, std::vector<int64_t> c) {
          const Shape& index = in[1].shape();
          std::vector<int64_t> ic(c.begin(), c.begin() + index.rank());
          std::vector<int64_t> tc = {
              static_cast<int64_t>(in[1][Ravel(index, ic)])};
          tc.insert(tc.end(), c.begin() + index.rank(), c.end());
          return std::make_pair(0, Ravel(in[0].shape(), tc));
        });
    auto reference = [gather](const ReferenceArgs& args) {
      Reference want = gather(args);
      want.grads[1].clear();  // The index has no gradient.
      return want;
    };
    AddCases(OpKind::kGather, GatherAttrs{}, label, make, reference,
             Tolerance::Near(1e-6, 1e-6), row.large, cases);
  }
}

std::vector<OpCase> LayoutCases() {
  std::vector<OpCase> cases;
  struct ConcatRow {
    int axis;
    std::vector<Shape> inputs;
    Shape y;
    bool large;
  };
  const ConcatRow concat[] = {
      {0, {Shape({2, 3}), Shape({4, 3})}, Shape({6, 3}), false},
      {1, {Shape({2, 3}), Shape({2, 1}), Shape({2, 5})}, Shape({2, 9}), false},
      {-1, {Shape({2, 3, 4}), Shape({2, 3, 2})}, Shape({2, 3, 6}), false},
      {1, {Shape({2, 3, 4}), Shape({2, 2, 4})}, Shape({2, 5, 4}), false},
      {0, {Shape({5})}, Shape({5}), false},
      {1, {Shape({300, 700}), Shape({300, 333})}, Shape({300, 1033}), true},
      {0, {Shape({40000, 3}), Shape({7, 3})}, Shape({40007, 3}), true},
  };
  for (const ConcatRow& row : concat) {
    std::vector<std::string> shapes;
    for (const Shape& s : row.inputs) shapes.push_back(ShapeLabel(s));
    AddLayoutCases(
        OpKind::kConcat, ConcatOn(row.axis),
        absl::StrCat("axis", row.axis < 0 ? "m" : "", std::abs(row.axis), "_",
                     absl::StrJoin(shapes, "_")),
        row.inputs, row.y, ConcatSource(row.axis), row.large, &cases);
  }
  struct SliceRow {
    Shape x;
    std::vector<int64_t> begin, size;
    Shape y;
    bool large;
  };
  const SliceRow slice[] = {
      {Shape({4, 6}), {1, 2}, {2, 3}, Shape({2, 3}), false},
      {Shape({4, 6}), {0, 2}, {-1, -1}, Shape({4, 4}), false},
      {Shape({3, 4, 5}), {1, 0, 4}, {2, 4, 1}, Shape({2, 4, 1}), false},
      {Shape({7}), {3}, {0}, Shape({0}), false},
      {Shape({2, 3, 4, 5}),
       {0, 1, 1, 2},
       {2, 2, 2, 3},
       Shape({2, 2, 2, 3}),
       false},
      {Shape({1000, 700}), {13, 5}, {900, 600}, Shape({900, 600}), true},
  };
  for (const SliceRow& row : slice) {
    AddLayoutCases(
        OpKind::kSlice, Box(row.begin, row.size),
        absl::StrCat(ShapeLabel(row.x), "_at_", absl::StrJoin(row.begin, "_")),
        {row.x}, row.y, SliceSource(row.begin), row.large, &cases);
  }
  struct TransposeRow {
    Shape x;
    std::vector<int> perm;  // Resolved.
    bool empty_attr;        // Use the default (reversed axes).
    bool large;
  };
  const TransposeRow transpose[] = {
      {Shape({3, 5}), {1, 0}, false, false},
      {Shape({2, 3, 4}), {2, 1, 0}, true, false},
      {Shape({2, 3, 4}), {1, 2, 0}, false, false},
      {Shape({2, 3, 4, 5}), {0, 2, 3, 1}, false, false},
      {Shape({7}), {0}, false, false},
      {Shape({64, 30, 7, 9}), {0, 2, 3, 1}, false, true},
      {Shape({333, 401}), {1, 0}, false, true},
  };
  for (const TransposeRow& row : transpose) {
    std::vector<int64_t> dims;
    for (int p : row.perm) dims.push_back(row.x.dim(p));
    AddLayoutCases(OpKind::kTranspose,
                   Perm(row.empty_attr ? std::vector<int>{} : row.perm),
                   absl::StrCat(ShapeLabel(row.x), "_perm",
                                row.empty_attr ? "_default_" : "_",
                                absl::StrJoin(row.perm, "")),
                   {row.x}, Shape(absl::Span<const int64_t>(dims)),
                   TransposeSource(row.perm), row.large, &cases);
  }
  AddGatherCases(&cases);
  AddPadCases(&cases);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Layout, OpCaseTest, ::testing::ValuesIn(LayoutCases()),
                         OpCaseName);

std::vector<ShapeCase> LayoutShapeCases() {
  return {
      {"Concat_batch",
       OpKind::kConcat,
       ConcatOn(1),
       {Shape({kUnknown, 3}), Shape({kUnknown, 4})},
       Shape({kUnknown, 7})},
      {"Concat_on_batch",
       OpKind::kConcat,
       ConcatOn(0),
       {Shape({kUnknown, 3}), Shape({2, 3})},
       Shape({kUnknown, 3})},
      {"Slice_batch_to_end",
       OpKind::kSlice,
       Box({0, 1}, {-1, 2}),
       {Shape({kUnknown, 5})},
       Shape({kUnknown, 2})},
      {"Slice_scalar", OpKind::kSlice, Box({}, {}), {Shape()}, Shape()},
      {"Transpose_batch",
       OpKind::kTranspose,
       Perm({1, 0}),
       {Shape({kUnknown, 5})},
       Shape({5, kUnknown})},
      {"Transpose_scalar", OpKind::kTranspose, Perm({}), {Shape()}, Shape()},
      {"Pad_batch",
       OpKind::kPad,
       Pads({0, 1}, {0, 2}, 0),
       {Shape({kUnknown, 5})},
       Shape({kUnknown, 8})},
      {"Gather_batch",
       OpKind::kGather,
       GatherAttrs{},
       {Shape({100, 8}), Shape({kUnknown, 5})},
       Shape({kUnknown, 5, 8})},
  };
}

INSTANTIATE_TEST_SUITE_P(Layout, ShapeInferenceTest,
                         ::testing::ValuesIn(LayoutShapeCases()),
                         ShapeCaseName);

std::vector<ShapeErrorCase> LayoutShapeErrorCases() {
  return {
      {"Concat_rank0", OpKind::kConcat, ConcatOn(0), {Shape()}, {"axis 0"}},
      {"Concat_axis",
       OpKind::kConcat,
       ConcatOn(2),
       {Shape({2, 3}), Shape({2, 3})},
       {"axis 2 is out of range", "[-2, 2)"}},
      {"Concat_ranks",
       OpKind::kConcat,
       ConcatOn(0),
       {Shape({2, 3}), Shape({3})},
       {"x_1 [3] has rank 1"}},
      {"Concat_off_axis",
       OpKind::kConcat,
       ConcatOn(1),
       {Shape({2, 3}), Shape({2, 3}), Shape({4, 3})},
       {"x_2 [4,3] differs from x_0 [2,3] on axis 0"}},
      {"Slice_rank",
       OpKind::kSlice,
       Box({0}, {1}),
       {Shape({2, 3})},
       {"begin [0] size [1] must have one entry per axis", "rank 2"}},
      {"Slice_past_end",
       OpKind::kSlice,
       Box({1, 2}, {2, 2}),
       {Shape({2, 3})},
       {"leaves axis 0"}},
      {"Slice_negative_begin",
       OpKind::kSlice,
       Box({0, -1}, {1, 1}),
       {Shape({2, 3})},
       {"leaves axis 1"}},
      {"Slice_size",
       OpKind::kSlice,
       Box({0, 0}, {1, -2}),
       {Shape({2, 3})},
       {"leaves axis 1"}},
      {"Transpose_rank",
       OpKind::kTranspose,
       Perm({1, 0}),
       {Shape({2, 3, 4})},
       {"perm [1,0] is not a permutation of the 3 axes"}},
      {"Transpose_repeat",
       OpKind::kTranspose,
       Perm({1, 1}),
       {Shape({2, 3})},
       {"perm [1,1]"}},
      {"Transpose_range",
       OpKind::kTranspose,
       Perm({0, 2}),
       {Shape({2, 3})},
       {"perm [0,2]"}},
      {"Gather_scalar_table",
       OpKind::kGather,
       GatherAttrs{},
       {Shape(), Shape({3})},
       {"table [] must have rank >= 1"}},
      {"Gather_unknown_rows",
       OpKind::kGather,
       GatherAttrs{},
       {Shape({kUnknown, 3}), Shape({3})},
       {"known row count"}},
      {"Pad_rank",
       OpKind::kPad,
       Pads({1}, {1}, 0),
       {Shape({2, 3})},
       {"before [1] after [1] must be 2 pads >= 0 each"}},
      {"Pad_negative",
       OpKind::kPad,
       Pads({0, -1}, {0, 0}, 0),
       {Shape({2, 3})},
       {"before [0,-1]"}},
      {"Pad_value",
       OpKind::kPad,
       Pads({0, 0}, {0, 0}, std::numeric_limits<float>::infinity()),
       {Shape({2, 3})},
       {"value inf must be finite"}},
      {"Slice_two_inputs",
       OpKind::kSlice,
       Box({0}, {1}),
       {Shape({2}), Shape({2})},
       {"inputs, got 2"}},
  };
}

INSTANTIATE_TEST_SUITE_P(Layout, ShapeErrorTest,
                         ::testing::ValuesIn(LayoutShapeErrorCases()),
                         ShapeErrorCaseName);

TEST(GatherTest, BadIndexIsNamedAtForwardTime) {
  Tensor table = RandomTensor(Shape({5, 2}), 1);
  for (float bad : {5.0f, -1.0f, 1.5f, std::nanf("")}) {
    Tensor index = Tensor::FromValues(Shape({3}), {0.0f, 4.0f, bad});
    auto y = RunForward(OpKind::kGather, GatherAttrs{}, {&table, &index});
    ASSERT_FALSE(y.ok()) << bad;
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(y.status().message().find(absl::StrCat("Gather: index ", bad,
                                                     " at position 2 is not a "
                                                     "whole number in [0, 5)")),
              std::string::npos)
        << y.status();
  }
}

}  // namespace
}  // namespace dagrad
