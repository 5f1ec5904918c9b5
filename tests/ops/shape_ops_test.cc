// The shape ops Flatten ([N, ...] -> [N, rest]) and Reshape (to a target
// with at most one -1). Both copy the buffer in row-major order, so the
// reference is y = x and dL/dx = dy, bit for bit.
//
// The family table (tests/testing/op_family.h) states per op: the shape
// inference cases (the unknown batch too), the shape errors with the parts
// their messages must name, the reference, the gradient sweep (linear: no
// kink allowed) and a large uneven case for the 1-vs-2-thread check.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ops/flatten.h"
#include "ops/reshape.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/op_family.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

ReshapeAttrs Target(std::vector<int64_t> shape) {
  ReshapeAttrs attrs;
  attrs.shape = std::move(shape);
  return attrs;
}

std::string TargetLabel(const std::vector<int64_t>& target) {
  std::string label = "to";
  for (int64_t d : target) {
    absl::StrAppend(&label, "_", d < 0 ? "m" : "", d < 0 ? -d : d);
  }
  return label;
}

// CopyReference() is y = x with shape `y_shape`, dL/dx = dy, exactly.
ReferenceFn CopyReference(Shape y_shape) {
  return [y_shape](const ReferenceArgs& args) {
    const Tensor& x = args.inputs[0];
    Reference r;
    r.y_shape = y_shape;
    r.grads.resize(1);
    for (int64_t i = 0; i < x.size(); ++i) {
      r.y.push_back(x[i]);
      r.grads[0].push_back(args.dy[i]);
    }
    return r;
  };
}

OpCase CopyCase(OpKind kind, const OpAttrs& attrs, const std::string& label,
                Shape in, Shape out, uint64_t seed) {
  OpCase c = MakeCase(kind, attrs, label,
                      [=] { return Inputs(RandomTensor(in, seed)); });
  c.reference = CopyReference(out);
  return c;
}

std::vector<OpCase> ShapeOpCases() {
  std::vector<OpCase> cases;
  cases.push_back(CopyCase(OpKind::kFlatten, FlattenAttrs{}, "reference",
                           Shape({2, 3, 4, 5}), Shape({2, 60}), 1));
  {
    int seed = 1;
    for (const Shape& shape : {Shape({4, 9}), Shape({3, 5, 7}),
                               Shape({2, 3, 5, 5}), Shape({1, 1, 3, 1})}) {
      const uint64_t s = ++seed;
      OpCase c = MakeCase(OpKind::kFlatten, FlattenAttrs{},
                          "gradient_" + ShapeLabel(shape),
                          [=] { return Inputs(RandomTensor(shape, s)); });
      c.gradient = GradientCheckOptions{};
      cases.push_back(c);
    }
  }
  // Large enough for two copy blocks, odd so they are uneven.
  OpCase flat = CopyCase(OpKind::kFlatten, FlattenAttrs{}, "threads",
                         Shape({33, 7, 29, 23}), Shape({33, 7 * 29 * 23}), 21);
  flat.bitwise_threads = true;
  cases.push_back(flat);

  cases.push_back(CopyCase(OpKind::kReshape, Target({4, -1}), "reference",
                           Shape({2, 3, 4}), Shape({4, 6}), 1));
  {
    const std::pair<Shape, std::vector<int64_t>> sweep[] = {
        {Shape({7}), {7, 1}},
        {Shape({4, 9}), {-1}},
        {Shape({3, 5, 7}), {5, -1, 3}},
        {Shape({2, 3, 5, 5}), {2, 75}},
        {Shape({2, 3, 5, 5}), {1, 5, -1, 3}},
    };
    int seed = 1;
    for (const auto& [shape, target] : sweep) {
      const uint64_t s = ++seed;
      const Shape in = shape;
      OpCase c = MakeCase(
          OpKind::kReshape, Target(target),
          absl::StrCat("gradient_", ShapeLabel(in), "_", TargetLabel(target)),
          [=] { return Inputs(RandomTensor(in, s)); });
      c.gradient = GradientCheckOptions{};
      cases.push_back(c);
    }
  }
  OpCase reshape = CopyCase(OpKind::kReshape, Target({-1, 7}), "threads",
                            Shape({7, 149797}), Shape({149797, 7}), 21);
  reshape.bitwise_threads = true;
  cases.push_back(reshape);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(ShapeOps, OpCaseTest,
                         ::testing::ValuesIn(ShapeOpCases()), OpCaseName);

std::vector<ShapeCase> ShapeOpShapeCases() {
  std::vector<ShapeCase> cases;
  const std::pair<Shape, Shape> flatten[] = {
      {Shape({2, 3, 4, 5}), Shape({2, 60})},
      {Shape({64, 6, 28, 28}), Shape({64, 4704})},
      {Shape({3, 7}), Shape({3, 7})},
      {Shape({3, 0, 7}), Shape({3, 0})},
      // The unknown batch stays unknown.
      {Shape({kUnknown, 6, 28, 28}), Shape({kUnknown, 4704})},
      {Shape({kUnknown, 10}), Shape({kUnknown, 10})},
  };
  for (const auto& [in, want] : flatten) {
    cases.push_back({"Flatten_" + ShapeLabel(in),
                     OpKind::kFlatten,
                     FlattenAttrs{},
                     {in},
                     want});
  }
  struct Row {
    Shape input;
    std::vector<int64_t> target;
    Shape want;
  };
  const Row reshape[] = {
      {Shape({2, 3, 4}), {24}, Shape({24})},
      {Shape({2, 3, 4}), {-1}, Shape({24})},
      {Shape({2, 3, 4}), {4, -1}, Shape({4, 6})},
      {Shape({2, 3, 4}), {2, -1, 3}, Shape({2, 4, 3})},
      {Shape({2, 3, 4}), {1, 2, 1, 12, 1}, Shape({1, 2, 1, 12, 1})},
      {Shape({1}), {}, Shape()},
      {Shape(), {1, -1}, Shape({1, 1})},
      {Shape({0, 5}), {-1, 5}, Shape({0, 5})},
      {Shape({0, 5}), {5, 0}, Shape({5, 0})},
      // Unknown batch: the -1 stays unknown.
      {Shape({kUnknown, 28, 28}), {-1, 784}, Shape({kUnknown, 784})},
      {Shape({kUnknown, 784}), {-1, 28, 28}, Shape({kUnknown, 28, 28})},
      {Shape({kUnknown, 6}), {3, -1}, Shape({3, kUnknown})},
      {Shape({kUnknown, 0}), {-1, 3}, Shape({0, 3})},
  };
  for (const Row& row : reshape) {
    cases.push_back({absl::StrCat("Reshape_", ShapeLabel(row.input), "_",
                                  TargetLabel(row.target)),
                     OpKind::kReshape,
                     Target(row.target),
                     {row.input},
                     row.want});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(ShapeOps, ShapeInferenceTest,
                         ::testing::ValuesIn(ShapeOpShapeCases()),
                         ShapeCaseName);

std::vector<ShapeErrorCase> ShapeOpShapeErrorCases() {
  const int64_t big = int64_t{1} << 40;
  const int64_t huge = std::numeric_limits<int64_t>::max() / 2;
  auto flatten = [](const std::string& label, Shape in,
                    std::vector<std::string> parts) {
    return ShapeErrorCase{"Flatten_" + label,
                          OpKind::kFlatten,
                          FlattenAttrs{},
                          {std::move(in)},
                          std::move(parts)};
  };
  auto reshape = [](const std::string& label, Shape in,
                    std::vector<int64_t> target,
                    std::vector<std::string> parts) {
    return ShapeErrorCase{"Reshape_" + label,
                          OpKind::kReshape,
                          Target(std::move(target)),
                          {std::move(in)},
                          std::move(parts)};
  };
  return {
      flatten("rank1", Shape({5}), {"rank 1"}),
      flatten("rank0", Shape(), {"rank 0"}),
      flatten("rank1_unknown", Shape({kUnknown}), {"rank 1"}),
      flatten("unknown_dim", Shape({2, kUnknown, 3}),
              {"dimension 1 is unknown"}),
      flatten("overflow", Shape({2, big, big}), {"overflows"}),
      flatten("overflow_batch", Shape({big, big, 1 << 24}), {"overflows"}),
      reshape("two_minus_one", Shape({2, 3, 4}), {-1, 2, -1},
              {"[-1,2,-1]", "one -1"}),
      reshape("two_minus_one_unknown", Shape({kUnknown, 4}), {-1, -1},
              {"[-1,-1]"}),
      reshape("count", Shape({2, 3}), {4, 2}, {"[4,2]", "8", "6"}),
      reshape("count_inferred", Shape({2, 3, 4}), {5, -1}, {"[5,-1]", "24"}),
      reshape("count_scalar", Shape({6}), {}, {"[]", "1 elements", "6"}),
      reshape("negative", Shape({2, 3}), {-2, 3}, {"[-2,3]", "-2"}),
      reshape("negative_last", Shape({2, 3}), {6, -7}, {"[6,-7]", "-7"}),
      reshape("uninferable", Shape({0, 3}), {-1, 0},
              {"[-1,0]", "multiply to 0"}),
      reshape("overflow", Shape({2, 3}), {huge, 4},
              {"[" + std::to_string(huge) + ",4]", "overflows"}),
      reshape("fixed_for_unknown_batch", Shape({kUnknown, 784}), {64, 784},
              {"[?,784]", "[64,784]", "unknown"}),
  };
}

INSTANTIATE_TEST_SUITE_P(ShapeOps, ShapeErrorTest,
                         ::testing::ValuesIn(ShapeOpShapeErrorCases()),
                         ShapeErrorCaseName);

}  // namespace
}  // namespace dagrad
