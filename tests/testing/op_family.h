// tests/testing/op_family.h: table-driven op tests, in the manner of ggml's
// test-backend-ops. A family test file (tests/ops/<family>_ops_test.cc)
// states, for each op of the family, a table of cases; this library runs
// them all the same way.
//
// An OpCase is one op at one point of its sweep (shape, attributes, input
// generator) and the checks to run there:
//  - gradient: CheckGradients() with the case's epsilon, tolerances and kink
//    allowance (tests/testing/gradient_checker.h);
//  - reference: the forward (and any VJP the reference gives) against a
//    naive reference computed by the case, within per-tensor Tolerances;
//  - bitwise_threads: the forward and every differentiable input's VJP on a
//    1-thread and a 2-thread pool agree bit for bit.
// A ShapeErrorCase states input shapes (and attributes) the op must reject:
// EagerOp::Create() must fail with InvalidArgument, the message must be the
// standard "<Op>: <what>; inputs <shapes>" (ops/op.h ShapeError) and contain
// every listed part. A ShapeCase states the inferred output shape of the
// op's registered shape function.
//
// Example (a family file):
//   std::vector<OpCase> Cases() {
//     OpCase c = MakeCase(OpKind::kTanh, TanhAttrs{}, "4x9", [] {
//       return Inputs(RandomTensor(Shape({4, 9}), 2, -3, 3));
//     });
//     c.gradient = GradientCheckOptions{};
//     c.gradient->epsilon = 1e-3;
//     return {c};
//   }
//   INSTANTIATE_TEST_SUITE_P(Unary, OpCaseTest, ::testing::ValuesIn(Cases()),
//                            OpCaseName);
#ifndef DAGRAD_TESTS_TESTING_OP_FAMILY_H_
#define DAGRAD_TESTS_TESTING_OP_FAMILY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "gtest/gtest.h"
#include "ops/op.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {

// Tolerance says when a float result `got` matches a reference `want`.
struct Tolerance {
  enum class Kind {
    // |got - want| <= atol + rtol * |want| (Exact() is atol = rtol = 0).
    kNear,
    // got and fl(want) are at most `ulps` units in the last place apart
    // (EXPECT_FLOAT_EQ is Ulps(4)).
    kUlps,
    // |got - want| / |want| < rtol where |want| is a normal float, and
    // |got - want| <= the smallest subnormal below that.
    kAccurate,
  };
  Kind kind = Kind::kNear;
  double atol = 0;
  double rtol = 0;
  int ulps = 0;

  static Tolerance Exact() { return {}; }
  static Tolerance Near(double atol, double rtol) {
    return {Kind::kNear, atol, rtol, 0};
  }
  static Tolerance Ulps(int ulps) { return {Kind::kUlps, 0, 0, ulps}; }
  static Tolerance Accurate(double rtol) {
    return {Kind::kAccurate, 0, rtol, 0};
  }

  // Matches() applies the rule above; NaN never matches.
  bool Matches(float got, double want) const;
  std::string DebugString() const;
};

// ReferenceArgs is what a naive reference sees: the case's inputs, the op's
// output (for references written in terms of y, e.g. sigmoid' = y(1 - y))
// and the dL/dy the VJPs were given.
struct ReferenceArgs {
  const std::vector<Tensor>& inputs;
  const Tensor& y;
  const Tensor& dy;
};

// Reference is the expected output y and, per input, the expected dL/dx
// (an empty vector: that input's VJP is not compared).
struct Reference {
  // y_shape, if set, is the expected output shape.
  std::optional<Shape> y_shape;
  std::vector<double> y;
  std::vector<std::vector<double>> grads;
};
using ReferenceFn = std::function<Reference(const ReferenceArgs&)>;

struct OpCase {
  // name is the case's gtest name, "<Op>_<label>"; labels must be unique
  // within an op (OpCaseName() adds the index anyway).
  std::string name;
  OpKind kind;
  OpAttrs attrs;
  // inputs() generates the inputs, the same ones at every call.
  std::function<std::vector<Tensor>()> inputs;
  // dy() makes dL/dy for the reference and thread checks from the output;
  // unset: uniform in [-1, 1) from seed 1000.
  std::function<Tensor(const Tensor& y)> dy;

  // gradient, if set, runs CheckGradients() with these options.
  std::optional<GradientCheckOptions> gradient;
  // reference, if set, compares y with y_tolerance and the VJPs with
  // grad_tolerance (forward in training mode, on 1 thread).
  ReferenceFn reference;
  Tolerance y_tolerance;
  Tolerance grad_tolerance;
  // bitwise_threads compares 1 and 2 threads bit for bit.
  bool bitwise_threads = false;
};

// MakeCase() starts a case named "<Op>_<label>" with no checks set.
OpCase MakeCase(OpKind kind, OpAttrs attrs, const std::string& label,
                std::function<std::vector<Tensor>()> inputs);

// ShapeLabel() names a shape in a case name: "4x9", "scalar".
std::string ShapeLabel(const Shape& shape);

// GradientOptions() is GradientCheckOptions with the given epsilon and
// tolerances (and defaults otherwise).
GradientCheckOptions GradientOptions(double epsilon, double rtol, double atol);

// Inputs() collects tensors into a vector (Tensor is move-only).
template <typename... T>
std::vector<Tensor> Inputs(T&&... tensors) {
  std::vector<Tensor> v;
  (v.push_back(std::forward<T>(tensors)), ...);
  return v;
}

// ElementwiseReference() is a reference for a one-input elementwise op:
// y_i = f(x_i) and dL/dx_i = df(x_i, y_i, dy_i) (unset: not compared).
ReferenceFn ElementwiseReference(
    std::function<double(float x)> f,
    std::function<double(float x, float y, float dy)> df = nullptr);

struct ShapeErrorCase {
  std::string name;  // "<Op>_<label>"
  OpKind kind;
  OpAttrs attrs;
  std::vector<Shape> inputs;
  std::vector<std::string> parts;  // Substrings the message must contain.
};

struct ShapeCase {
  std::string name;  // "<Op>_<label>"
  OpKind kind;
  OpAttrs attrs;
  std::vector<Shape> inputs;
  Shape want;
};

// OpRun is one forward and the VJP of every differentiable input.
struct OpRun {
  Tensor y;
  std::vector<Tensor> grads;  // Empty tensors for inputs without a VJP.
};

// RunOp() runs `kind` on `inputs` with dL/dy = `dy` (or, if dy is null, the
// case default) on a pool of `threads` threads, in training mode with seed 1
// (the gradient checker's settings); VJP outputs start as NaN.
absl::StatusOr<OpRun> RunOp(OpKind kind, const OpAttrs& attrs,
                            std::vector<Tensor>& inputs, const Tensor* dy,
                            int threads);

// The fixtures; a family file instantiates them with its tables.
class OpCaseTest : public ::testing::TestWithParam<OpCase> {};
class ShapeErrorTest : public ::testing::TestWithParam<ShapeErrorCase> {};
class ShapeInferenceTest : public ::testing::TestWithParam<ShapeCase> {};

// The gtest name generators: "<index>_<name>" with non-alphanumerics as _.
std::string OpCaseName(const ::testing::TestParamInfo<OpCase>& info);
std::string ShapeErrorCaseName(
    const ::testing::TestParamInfo<ShapeErrorCase>& info);
std::string ShapeCaseName(const ::testing::TestParamInfo<ShapeCase>& info);

// PrintTo() prints a case as its name (gtest's parameter printer).
void PrintTo(const OpCase& c, std::ostream* os);
void PrintTo(const ShapeErrorCase& c, std::ostream* os);
void PrintTo(const ShapeCase& c, std::ostream* os);

// ExpectBitwiseEqual() requires equal shapes and bytes.
void ExpectBitwiseEqual(const Tensor& a, const Tensor& b,
                        const std::string& what);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TESTING_OP_FAMILY_H_
