#include "tests/testing/op_family.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/thread_pool.h"
#include "ops/eager.h"

namespace dagrad {
namespace {

// OrderedBits() maps a float to an integer that is monotonic in the float's
// value, so that the difference of two is their distance in ulps.
int64_t OrderedBits(float f) {
  int32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits < 0 ? -static_cast<int64_t>(bits & 0x7fffffff) : bits;
}

std::string Sanitize(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

Tensor DefaultDy(const Tensor& y) {
  return RandomTensor(y.shape(), /*seed=*/1000);
}

// ExpectMatches() compares `got` with `want` element by element and reports
// the first mismatch and the number of mismatches.
void ExpectMatches(const Tensor& got, const std::vector<double>& want,
                   const Tolerance& tolerance, const std::string& what) {
  ASSERT_EQ(got.size(), static_cast<int64_t>(want.size())) << what;
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < got.size(); ++i) {
    if (!tolerance.Matches(got[i], want[i])) {
      if (bad++ == 0) first = i;
    }
  }
  if (bad > 0) {
    ADD_FAILURE() << what << ": " << bad << " of " << got.size()
                  << " elements differ from the reference beyond "
                  << tolerance.DebugString() << "; first at " << first
                  << ": got " << got[first] << ", want " << want[first];
  }
}

std::vector<Tensor*> Pointers(std::vector<Tensor>& inputs) {
  std::vector<Tensor*> ptrs;
  for (Tensor& t : inputs) ptrs.push_back(&t);
  return ptrs;
}

}  // namespace

bool Tolerance::Matches(float got, double want) const {
  if (std::isnan(got) || std::isnan(want)) return false;
  const double diff = std::fabs(static_cast<double>(got) - want);
  switch (kind) {
    case Kind::kNear:
      if (std::isinf(want)) return static_cast<double>(got) == want;
      return diff <= atol + rtol * std::fabs(want);
    case Kind::kUlps: {
      const float w = static_cast<float>(want);
      if (std::isinf(w) || std::isinf(got)) return got == w;
      const int64_t d = OrderedBits(got) - OrderedBits(w);
      return (d < 0 ? -d : d) <= ulps;
    }
    case Kind::kAccurate:
      if (std::fabs(want) >= FLT_MIN) return diff / std::fabs(want) < rtol;
      return diff <=
             static_cast<double>(std::numeric_limits<float>::denorm_min());
  }
  return false;
}

std::string Tolerance::DebugString() const {
  switch (kind) {
    case Kind::kNear:
      return absl::StrCat("atol ", atol, " + rtol ", rtol);
    case Kind::kUlps:
      return absl::StrCat(ulps, " ulps");
    case Kind::kAccurate:
      return absl::StrCat("relative error ", rtol);
  }
  return "";
}

OpCase MakeCase(OpKind kind, OpAttrs attrs, const std::string& label,
                std::function<std::vector<Tensor>()> inputs) {
  OpCase c;
  c.name = absl::StrCat(OpName(kind), "_", label);
  c.kind = kind;
  c.attrs = std::move(attrs);
  c.inputs = std::move(inputs);
  return c;
}

std::string ShapeLabel(const Shape& shape) {
  if (shape.rank() == 0) return "scalar";
  std::string label;
  for (int d = 0; d < shape.rank(); ++d) {
    absl::StrAppend(&label, d == 0 ? "" : "x",
                    shape.dim(d) == Shape::kUnknownDim
                        ? std::string("N")
                        : absl::StrCat(shape.dim(d)));
  }
  return label;
}

GradientCheckOptions GradientOptions(double epsilon, double rtol, double atol) {
  GradientCheckOptions options;
  options.epsilon = epsilon;
  options.rtol = rtol;
  options.atol = atol;
  return options;
}

ReferenceFn ElementwiseReference(
    std::function<double(float x)> f,
    std::function<double(float x, float y, float dy)> df) {
  return [f, df](const ReferenceArgs& args) {
    const Tensor& x = args.inputs[0];
    Reference r;
    r.y_shape = x.shape();
    r.y.resize(x.size());
    for (int64_t i = 0; i < x.size(); ++i) r.y[i] = f(x[i]);
    r.grads.resize(1);
    if (df) {
      r.grads[0].resize(x.size());
      for (int64_t i = 0; i < x.size(); ++i) {
        r.grads[0][i] = df(x[i], args.y[i], args.dy[i]);
      }
    }
    return r;
  };
}

absl::StatusOr<OpRun> RunOp(OpKind kind, const OpAttrs& attrs,
                            std::vector<Tensor>& inputs, const Tensor* dy,
                            int threads) {
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  ThreadPool pool(threads);
  ASSIGN_OR_RETURN(std::unique_ptr<EagerOp> op,
                   EagerOp::Create(kind, attrs, shapes, &pool));
  const std::vector<Tensor*> ptrs = Pointers(inputs);
  EagerOptions run{/*training=*/true, /*seed=*/1, /*step=*/7};
  RETURN_IF_ERROR(op->Forward(ptrs, run));
  OpRun result;
  result.y = op->output().Clone();
  Tensor default_dy;
  if (dy == nullptr) {
    default_dy = DefaultDy(result.y);
    dy = &default_dy;
  }
  result.grads.resize(inputs.size());
  for (int k = 0; k < static_cast<int>(inputs.size()); ++k) {
    if (!op->def().IsDifferentiableInput(k)) continue;
    result.grads[k] = Tensor::Zeros(inputs[k].shape());
    result.grads[k].Fill(std::nanf(""));  // A VJP must overwrite it all.
    RETURN_IF_ERROR(op->Vjp(k, *dy, &result.grads[k]));
  }
  return result;
}

void ExpectBitwiseEqual(const Tensor& a, const Tensor& b,
                        const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  if (a.size() == 0) return;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
      << what << " differs";
}

std::string OpCaseName(const ::testing::TestParamInfo<OpCase>& info) {
  return Sanitize(absl::StrCat(info.index, "_", info.param.name));
}

std::string ShapeErrorCaseName(
    const ::testing::TestParamInfo<ShapeErrorCase>& info) {
  return Sanitize(absl::StrCat(info.index, "_", info.param.name));
}

std::string ShapeCaseName(const ::testing::TestParamInfo<ShapeCase>& info) {
  return Sanitize(absl::StrCat(info.index, "_", info.param.name));
}

void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }
void PrintTo(const ShapeErrorCase& c, std::ostream* os) { *os << c.name; }
void PrintTo(const ShapeCase& c, std::ostream* os) { *os << c.name; }

// A family file may use only some of the fixtures.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpCaseTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ShapeErrorTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ShapeInferenceTest);

// Runs every check the case sets.
TEST_P(OpCaseTest, Checks) {
  const OpCase& c = GetParam();
  ASSERT_TRUE(c.gradient.has_value() || c.reference || c.bitwise_threads)
      << c.name << " sets no check";
  std::vector<Tensor> inputs = c.inputs();
  std::string shapes;
  for (const Tensor& t : inputs) {
    absl::StrAppend(&shapes, shapes.empty() ? "" : ", ",
                    t.shape().DebugString());
  }
  SCOPED_TRACE(absl::StrCat(c.name, " inputs ", shapes));

  if (c.gradient.has_value()) {
    SCOPED_TRACE("gradient check");
    std::vector<Tensor> x = c.inputs();
    auto result = CheckGradients(c.kind, c.attrs, Pointers(x), *c.gradient);
    EXPECT_TRUE(result.ok()) << result.status();
  }

  Tensor dy;
  if (c.reference || c.bitwise_threads) {
    auto y = RunOp(c.kind, c.attrs, inputs, nullptr, 1);
    ASSERT_TRUE(y.ok()) << y.status();
    dy = c.dy ? c.dy(y->y) : DefaultDy(y->y);
  }

  if (c.reference) {
    SCOPED_TRACE("reference check");
    auto got = RunOp(c.kind, c.attrs, inputs, &dy, 1);
    ASSERT_TRUE(got.ok()) << got.status();
    Reference want = c.reference(ReferenceArgs{inputs, got->y, dy});
    if (want.y_shape.has_value()) {
      EXPECT_EQ(got->y.shape(), *want.y_shape)
          << "y is " << got->y.shape().DebugString();
    }
    ExpectMatches(got->y, want.y, c.y_tolerance, "y");
    for (size_t k = 0; k < want.grads.size() && k < inputs.size(); ++k) {
      if (want.grads[k].empty()) continue;
      ExpectMatches(got->grads[k], want.grads[k], c.grad_tolerance,
                    absl::StrCat("dL/dx", k));
    }
  }

  if (c.bitwise_threads) {
    SCOPED_TRACE("1 vs 2 threads");
    auto one = RunOp(c.kind, c.attrs, inputs, &dy, 1);
    auto two = RunOp(c.kind, c.attrs, inputs, &dy, 2);
    ASSERT_TRUE(one.ok()) << one.status();
    ASSERT_TRUE(two.ok()) << two.status();
    ExpectBitwiseEqual(one->y, two->y, "y");
    for (size_t k = 0; k < inputs.size(); ++k) {
      ExpectBitwiseEqual(one->grads[k], two->grads[k],
                         absl::StrCat("dL/dx", k));
    }
  }
}

TEST_P(ShapeErrorTest, IsRejectedWithBothShapes) {
  const ShapeErrorCase& c = GetParam();
  ThreadPool pool(1);
  auto op = EagerOp::Create(c.kind, c.attrs, c.inputs, &pool);
  ASSERT_FALSE(op.ok()) << c.name << " was accepted";
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(op.status().message());
  EXPECT_EQ(message.rfind(absl::StrCat(OpName(c.kind), ": "), 0), 0u)
      << message;
  const std::string inputs =
      absl::StrCat("; inputs ", ShapesDebugString(c.inputs));
  EXPECT_NE(message.find(inputs), std::string::npos)
      << "missing '" << inputs << "' in: " << message;
  for (const std::string& part : c.parts) {
    EXPECT_NE(message.find(part), std::string::npos)
        << "missing '" << part << "' in: " << message;
  }
}

TEST_P(ShapeInferenceTest, InfersOutputShape) {
  const ShapeCase& c = GetParam();
  auto def = GetOp(c.kind);
  ASSERT_TRUE(def.ok()) << def.status();
  auto out = (*def)->shape_fn(c.inputs, c.attrs);
  ASSERT_TRUE(out.ok()) << c.name << ": " << out.status();
  EXPECT_EQ(*out, c.want) << c.name << ": got " << out->DebugString();
}

}  // namespace dagrad
