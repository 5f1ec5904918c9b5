#include "core/shape.h"

#include <cassert>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dagrad {

absl::StatusOr<Shape> Shape::Make(absl::Span<const int64_t> dims) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 && d != kUnknownDim) {
      return absl::InvalidArgumentError(
          absl::StrCat("Shape: negative dimension ", d, " in [",
                       absl::StrJoin(dims, ","), "]"));
    }
    if (d > 0 && count > std::numeric_limits<int64_t>::max() / d) {
      return absl::InvalidArgumentError(
          absl::StrCat("Shape: element count of [", absl::StrJoin(dims, ","),
                       "] overflows int64"));
    }
    if (d >= 0) count *= d;
  }
  return Shape(dims);
}

int64_t Shape::dim(int i) const {
  if (i < 0) i += rank();
  assert(i >= 0 && i < rank());
  return dims_[i];
}

void Shape::set_dim(int i, int64_t value) {
  if (i < 0) i += rank();
  assert(i >= 0 && i < rank());
  dims_[i] = value;
}

bool Shape::is_fully_defined() const {
  for (int64_t d : dims_) {
    if (d < 0) return false;
  }
  return true;
}

int64_t Shape::num_elements() const {
  int64_t count = 1;
  for (int64_t d : dims_) {
    if (d < 0) return -1;
    count *= d;
  }
  return count;
}

std::string Shape::DebugString() const {
  std::string out = "[";
  for (int i = 0; i < rank(); ++i) {
    if (i > 0) out += ",";
    if (dims_[i] < 0) {
      out += "?";
    } else {
      absl::StrAppend(&out, dims_[i]);
    }
  }
  out += "]";
  return out;
}

std::string ShapesDebugString(absl::Span<const Shape> shapes) {
  return absl::StrJoin(shapes, ", ", [](std::string* out, const Shape& s) {
    out->append(s.DebugString());
  });
}

}  // namespace dagrad
