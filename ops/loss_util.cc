#include "ops/loss_util.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "ops/act_util.h"

namespace dagrad {
namespace {

// RowMax() is max(x[0..c)), or NaN if any element is NaN.
inline float RowMax(const float* x, int64_t c) {
  float m = x[0];
  for (int64_t i = 1; i < c; ++i) {
    const float v = x[i];
    m = (v > m || v != v) ? v : m;
  }
  return m;
}

bool DimsMatch(int64_t a, int64_t b) {
  return a == b || a == Shape::kUnknownDim || b == Shape::kUnknownDim;
}

constexpr int kExpLanes = 16;

// Exp16() sets v[j] = exp(v[j]) for j < 16, for v[j] <= 0 (or NaN). It is
// never inlined, so the padded tail of a block runs through the very same
// (vectorized) machine code as the full chunks.
__attribute__((noinline)) void Exp16(float* __restrict v) {
  for (int j = 0; j < kExpLanes; ++j) v[j] = ExpNonPositive(v[j]);
}

}  // namespace

// 16 at a time; the last partial chunk goes through a zero-padded stack copy.
void ExpNonPositiveInPlace(float* v, int64_t n) {
  int64_t i = 0;
  for (; i + kExpLanes <= n; i += kExpLanes) Exp16(v + i);
  const int64_t rest = n - i;
  if (rest > 0) {
    alignas(64) float pad[kExpLanes] = {};
    std::memcpy(pad, v + i, static_cast<size_t>(rest) * sizeof(float));
    Exp16(pad);
    std::memcpy(v + i, pad, static_cast<size_t>(rest) * sizeof(float));
  }
}

namespace {

// ShiftAndExp() sets m[r] = max(x_r) and y_r = exp(x_r - m[r]) for each row.
// The rows' max chains are independent, so they overlap in the CPU.
void ShiftAndExp(const float* x, int64_t rows, int64_t c, float* y,
                 float* m) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    const float mr = RowMax(xr, c);
    m[r] = mr;
    for (int64_t i = 0; i < c; ++i) yr[i] = xr[i] - mr;
  }
  ExpNonPositiveInPlace(y, rows * c);
}

}  // namespace

// Per row: m = max(x), e_i = exp(x_i - m), s = sum e_i (in index order),
// y_i = e_i / s, lse = m + log(s). `guard` = m - m is 0 for finite m and NaN
// for m in {NaN, +inf, -inf}; adding it leaves finite rows bitwise unchanged
// and turns the others into NaN (exp of a NaN difference is not NaN).
void SoftmaxRows(const float* x, int64_t rows, int64_t c, float* y,
                 float* lse, bool with_lse) {
  ShiftAndExp(x, rows, c, y, lse);
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * c;
    const float m = lse[r];
    float s = 0.0f;
    for (int64_t i = 0; i < c; ++i) s += yr[i];
    const float guard = m - m;
    const float inv = 1.0f / s;
    for (int64_t i = 0; i < c; ++i) yr[i] = yr[i] * inv + guard;
    if (with_lse) lse[r] = m + std::log(s) + guard;
  }
}

// Per row: y_i = (x_i - m) - log(sum_j exp(x_j - m)); y holds the exps
// meanwhile.
void LogSoftmaxRows(const float* x, int64_t rows, int64_t c, float* y,
                    float* lse) {
  ShiftAndExp(x, rows, c, y, lse);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    const float m = lse[r];
    float s = 0.0f;
    for (int64_t i = 0; i < c; ++i) s += yr[i];
    const float log_s = std::log(s) - (m - m);  // NaN for non-finite m.
    for (int64_t i = 0; i < c; ++i) yr[i] = (xr[i] - m) - log_s;
  }
}

const Shape& ScalarShape() {
  static const Shape* const kScalar = new Shape();
  return *kScalar;
}

absl::StatusOr<LabelFormat> CheckClassLabelShapes(
    OpKind kind, absl::Span<const Shape> inputs, const char* what) {
  if (inputs.size() != 2) {
    return ShapeError(kind, inputs,
                      absl::StrCat("takes 2 inputs (", what,
                                   " [N,C], labels [N] or [N,C]), got ",
                                   inputs.size()));
  }
  const Shape& x = inputs[0];
  const Shape& labels = inputs[1];
  if (x.rank() != 2) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what, " ", x.DebugString(),
                                   " must be rank 2 [N,C]"));
  }
  const int64_t n = x.dim(0);
  const int64_t c = x.dim(1);
  if (c == Shape::kUnknownDim || c < 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what, " ", x.DebugString(),
                                   " must have a known class count C >= 1"));
  }
  if (n == 0) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what, " ", x.DebugString(),
                                   " has an empty batch (N = 0); the mean "
                                   "over the batch is undefined"));
  }
  if (labels.rank() == 1 && DimsMatch(labels.dim(0), n)) {
    return LabelFormat::kClassIds;
  }
  if (labels.rank() == 2 && DimsMatch(labels.dim(0), n) &&
      DimsMatch(labels.dim(1), c)) {
    return LabelFormat::kTargets;
  }
  return ShapeError(
      kind, inputs,
      absl::StrCat("labels ", labels.DebugString(),
                   " must be [N] class ids or [N,C] targets for ", what, " ",
                   x.DebugString()));
}

absl::Status CheckClassIds(OpKind kind, const float* labels, int64_t n,
                           int64_t c) {
  const float limit = static_cast<float>(c);
  for (int64_t i = 0; i < n; ++i) {
    const float v = labels[i];
    // NaN fails every comparison, so it is caught by the first test.
    if (!(v >= 0.0f && v < limit && v == std::floor(v))) {
      return absl::InvalidArgumentError(absl::StrCat(
          OpName(kind), ": label ", v, " of example ", i,
          " is not an integer class id in [0, ", c, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSameShapeLoss(OpKind kind, absl::Span<const Shape> inputs,
                                const char* what0, const char* what1) {
  if (inputs.size() != 2) {
    return ShapeError(kind, inputs,
                      absl::StrCat("takes 2 inputs (", what0, ", ", what1,
                                   "), got ", inputs.size()));
  }
  const Shape& a = inputs[0];
  const Shape& b = inputs[1];
  if (a.rank() < 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what0, " ", a.DebugString(),
                                   " must have rank >= 1 ([N, ...])"));
  }
  bool match = a.rank() == b.rank();
  for (int i = 0; match && i < a.rank(); ++i) {
    match = DimsMatch(a.dim(i), b.dim(i));
  }
  if (!match) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what1, " ", b.DebugString(),
                                   " must have the shape of ", what0, " ",
                                   a.DebugString()));
  }
  for (int i = 0; i < a.rank(); ++i) {
    if (a.dim(i) == 0 || b.dim(i) == 0) {
      return ShapeError(kind, inputs,
                        absl::StrCat(what0, " ", a.DebugString(),
                                     " has no elements; the mean is "
                                     "undefined"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Shape> LastAxisShape(OpKind kind,
                                    absl::Span<const Shape> inputs) {
  if (inputs.size() != 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat("takes 1 input, got ", inputs.size()));
  }
  const Shape& x = inputs[0];
  if (x.rank() < 1) {
    return ShapeError(kind, inputs,
                      "input [] must have rank >= 1 (rows of the last axis)");
  }
  if (x.dim(-1) == Shape::kUnknownDim || x.dim(-1) < 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat("last axis of ", x.DebugString(),
                                   " must be known and >= 1"));
  }
  return x;
}

int64_t LastAxisRowScratch(const ShapeQuery& query, int wrt) {
  const Shape& x = query.inputs[0];
  return wrt < 0 ? x.num_elements() / x.dim(-1) : 0;
}

}  // namespace dagrad
