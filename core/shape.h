// core/shape.h: the dimensions of a dense float32 tensor.
//
// A Shape is a list of int64 dimensions, outermost first (NCHW for images,
// [N,F] for features). A rank-0 shape is a scalar with one element. The graph
// may leave the batch dimension open, written as kUnknownDim (-1) and printed
// as `?`; such a shape is not fully defined and has no element count.
//
// Example:
//   Shape s({64, 1, 28, 28});
//   s.rank();          // 4
//   s.num_elements();  // 50176
//   s.DebugString();   // "[64,1,28,28]"
#ifndef DAGRAD_CORE_SHAPE_H_
#define DAGRAD_CORE_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace dagrad {

class Shape {
 public:
  // kUnknownDim marks a dimension fixed later (the open batch dimension).
  static constexpr int64_t kUnknownDim = -1;

  // Shape() is the scalar shape [] with one element.
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(absl::Span<const int64_t> dims)
      : dims_(dims.begin(), dims.end()) {}

  // Make() validates `dims`: each must be >= 0 or kUnknownDim, and the
  // element count must fit in int64. Use it for untrusted dimensions (files).
  static absl::StatusOr<Shape> Make(absl::Span<const int64_t> dims);

  // rank() is the number of dimensions.
  int rank() const { return static_cast<int>(dims_.size()); }
  // dim(i) is dimension i; i may be negative to count from the back
  // (dim(-1) is the last). Requires -rank() <= i < rank().
  int64_t dim(int i) const;
  absl::Span<const int64_t> dims() const { return dims_; }
  void set_dim(int i, int64_t value);
  // Clear() makes this the scalar shape [].
  void Clear() { dims_.clear(); }

  // is_fully_defined() is false while any dimension is kUnknownDim.
  bool is_fully_defined() const;
  // num_elements() is the product of the dimensions (1 for a scalar), or -1
  // if the shape is not fully defined.
  int64_t num_elements() const;

  // DebugString() prints `[64,1,28,28]`, with `?` for unknown dimensions.
  std::string DebugString() const;

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.dims_ == b.dims_;
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  absl::InlinedVector<int64_t, 4> dims_;
};

// ShapesDebugString() prints a list of shapes as `[2,3], [3,4]`, for error
// messages that name every input shape.
std::string ShapesDebugString(absl::Span<const Shape> shapes);

}  // namespace dagrad

#endif  // DAGRAD_CORE_SHAPE_H_
