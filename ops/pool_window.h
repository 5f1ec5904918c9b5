// ops/pool_window.h: what the pooling ops (MaxPool2D, AvgPool2D) share as
// ops: the window attributes, the shape function and the resolution of the
// attributes into the kernels' PoolGeometry (ops/cpu/pool_geometry.h); and
// the shape function of the global pools (GlobalAvgPool, GlobalMaxPool).
//
// Output (i, j) of each [H, W] plane pools the window of input rows
//   [i*stride_h - pad_top, i*stride_h - pad_top + window_h)
// and the matching columns, clipped to the image; the padding per Padding
// (ops/padding.h, the window as the extent) and
//   OH = (H + pad_top + pad_bottom - window_h) / stride_h + 1 (likewise OW).
//
// PoolShape() accepts a window only if every window holds at least one real
// cell; it rejects (InvalidArgument naming the op and the input shape): x
// not rank 4 or with C, H, W < 1, window < 1, stride < 1, an unknown
// padding, negative explicit pads, a window larger than the padded input, a
// pad >= the window on its side (a window entirely in padding), and any
// window, stride, pad or image size above kPool2DMaxAttr. The batch may be
// unknown (-1); the output's is then unknown too. (SAME never produces such
// pads: its total is at most window - 1.)
//
// Example (in an op's shape function):
//   const auto& a = AttrsAs<MaxPool2DAttrs>(attrs);
//   return PoolShape(OpKind::kMaxPool2D, inputs, a);
// and before its kernels:
//   const PoolGeometry geo = PoolGeometryOf(x.shape(), a);
#ifndef DAGRAD_OPS_POOL_WINDOW_H_
#define DAGRAD_OPS_POOL_WINDOW_H_

#include <cstdint>
#include <tuple>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/cpu/pool_geometry.h"
#include "ops/op.h"
#include "ops/padding.h"

namespace dagrad {

// kPool2DMaxAttr bounds windows, strides, explicit pads and H, W, so that no
// index arithmetic can overflow (the same bound as kConv2DMaxAttr).
inline constexpr int64_t kPool2DMaxAttr = int64_t{1} << 30;

// PoolWindow: the attributes of MaxPool2DAttrs and AvgPool2DAttrs, which
// derive from it.
struct PoolWindow {
  int64_t window_h = 2;
  int64_t window_w = 2;
  int64_t stride_h = 2;
  int64_t stride_w = 2;
  Padding padding = Padding::kValid;
  // Used with Padding::kExplicit only.
  int64_t pad_top = 0;
  int64_t pad_bottom = 0;
  int64_t pad_left = 0;
  int64_t pad_right = 0;

  // Fields() lists every attribute, for equality and hashing (the pools'
  // attrs structs derive both).
  auto Fields() const {
    return std::make_tuple(window_h, window_w, stride_h, stride_w, padding,
                           pad_top, pad_bottom, pad_left, pad_right);
  }
  friend bool operator==(const PoolWindow& a, const PoolWindow& b) {
    return a.Fields() == b.Fields();
  }
  template <typename H>
  friend H AbslHashValue(H h, const PoolWindow& a) {
    return H::combine(std::move(h), a.Fields());
  }
};

// PoolShape() is both pools' shape function (see the file comment); `kind`
// names the op in error messages.
absl::StatusOr<Shape> PoolShape(OpKind kind, absl::Span<const Shape> inputs,
                                const PoolWindow& window);

// GlobalPoolShape() is the global pools' shape function: x [N, C, H, W]
// with C, H, W >= 1 (N may be unknown) -> [N, C]; else InvalidArgument
// naming `kind` and the input shape.
absl::StatusOr<Shape> GlobalPoolShape(OpKind kind,
                                      absl::Span<const Shape> inputs);

// GlobalPoolPlanes is x [N, C, H, W] (known N) viewed as N C planes of
// H W elements each.
struct GlobalPoolPlanes {
  int64_t planes, size;
};
GlobalPoolPlanes GlobalPoolPlanesOf(const Shape& x);

// PoolGeometryOf() resolves the padding of an input shape x [N, C, H, W]
// that PoolShape() accepted, with a known batch N.
PoolGeometry PoolGeometryOf(const Shape& x, const PoolWindow& window);

}  // namespace dagrad

#endif  // DAGRAD_OPS_POOL_WINDOW_H_
