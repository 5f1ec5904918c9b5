#include "ops/pool_window.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

std::string Pair(int64_t a, int64_t b) {
  return absl::StrCat("(", a, ", ", b, ")");
}

}  // namespace

PoolGeometry PoolGeometryOf(const Shape& x, const PoolWindow& window) {
  PoolGeometry geo;
  geo.planes = x.dim(0) * x.dim(1);
  geo.in_h = x.dim(2);
  geo.in_w = x.dim(3);
  geo.window_h = window.window_h;
  geo.window_w = window.window_w;
  geo.stride_h = window.stride_h;
  geo.stride_w = window.stride_w;
  const PaddedDim rows =
      ResolvePadding(window.padding, geo.in_h, geo.window_h, geo.stride_h,
                     {window.pad_top, window.pad_bottom});
  const PaddedDim cols =
      ResolvePadding(window.padding, geo.in_w, geo.window_w, geo.stride_w,
                     {window.pad_left, window.pad_right});
  geo.pad_top = rows.pads.before;
  geo.pad_bottom = rows.pads.after;
  geo.pad_left = cols.pads.before;
  geo.pad_right = cols.pads.after;
  geo.out_h = rows.out;
  geo.out_w = cols.out;
  return geo;
}

absl::StatusOr<Shape> PoolShape(OpKind kind, absl::Span<const Shape> inputs,
                                const PoolWindow& a) {
  auto error = [&](const std::string& what) {
    return ShapeError(kind, inputs, what);
  };
  if (inputs.size() != 1) {
    return error(absl::StrCat("takes 1 input (x), got ", inputs.size()));
  }
  const Shape& x = inputs[0];
  if (x.rank() != 4) {
    return error(
        absl::StrCat("input x ", x.DebugString(), " must be rank 4 (NCHW)"));
  }
  if ((x.dim(0) < 0 && x.dim(0) != Shape::kUnknownDim) || x.dim(1) < 1 ||
      x.dim(2) < 1 || x.dim(3) < 1) {
    return error(
        absl::StrCat("input x ", x.DebugString(), " must have C, H, W >= 1"));
  }
  if (a.window_h < 1 || a.window_w < 1) {
    return error(absl::StrCat("window (h, w) = ", Pair(a.window_h, a.window_w),
                              " must be >= 1"));
  }
  if (a.stride_h < 1 || a.stride_w < 1) {
    return error(absl::StrCat("stride (h, w) = ", Pair(a.stride_h, a.stride_w),
                              " must be >= 1"));
  }
  if (!IsKnownPadding(a.padding)) {
    return error(absl::StrCat("unknown padding ", static_cast<int>(a.padding)));
  }
  const bool explicit_pad = a.padding == Padding::kExplicit;
  const std::string pads =
      absl::StrCat("(", a.pad_top, ", ", a.pad_bottom, ", ", a.pad_left, ", ",
                   a.pad_right, ")");
  if (explicit_pad && (a.pad_top < 0 || a.pad_bottom < 0 || a.pad_left < 0 ||
                       a.pad_right < 0)) {
    return error(absl::StrCat("explicit padding (top, bottom, left, right) = ",
                              pads, " must be >= 0"));
  }
  const int64_t bounded[] = {a.window_h,
                             a.window_w,
                             a.stride_h,
                             a.stride_w,
                             x.dim(2),
                             x.dim(3),
                             explicit_pad ? a.pad_top : 0,
                             explicit_pad ? a.pad_bottom : 0,
                             explicit_pad ? a.pad_left : 0,
                             explicit_pad ? a.pad_right : 0};
  for (int64_t v : bounded) {
    if (v > kPool2DMaxAttr) {
      return error(
          absl::StrCat("windows, strides, pads and image sizes must "
                       "be at most ",
                       kPool2DMaxAttr, ", got ", v));
    }
  }
  if (explicit_pad && (a.pad_top >= a.window_h || a.pad_bottom >= a.window_h ||
                       a.pad_left >= a.window_w || a.pad_right >= a.window_w)) {
    return error(
        absl::StrCat("explicit padding (top, bottom, left, right) = ", pads,
                     " must be smaller than the window (h, w) = ",
                     Pair(a.window_h, a.window_w),
                     " on each side (else a window could lie "
                     "entirely in padding)"));
  }
  // Resolve the padding with a placeholder batch (it plays no part).
  Shape x1 = x;
  x1.set_dim(0, 1);
  const PoolGeometry geo = PoolGeometryOf(x1, a);
  const int64_t hp = geo.in_h + geo.pad_top + geo.pad_bottom;
  const int64_t wp = geo.in_w + geo.pad_left + geo.pad_right;
  if (a.window_h > hp || a.window_w > wp) {
    return error(absl::StrCat("window (h, w) = ", Pair(a.window_h, a.window_w),
                              " is larger than the padded input ", hp, "x",
                              wp));
  }
  return Shape({x.dim(0), x.dim(1), geo.out_h, geo.out_w});
}

absl::StatusOr<Shape> GlobalPoolShape(OpKind kind,
                                      absl::Span<const Shape> inputs) {
  const Shape& x = inputs[0];
  if (x.rank() != 4 || x.dim(1) < 1 || x.dim(2) < 1 || x.dim(3) < 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat("x ", x.DebugString(),
                                   " must be [N, C, H, W] with C, H, W >= 1"));
  }
  return Shape({x.dim(0), x.dim(1)});
}

GlobalPoolPlanes GlobalPoolPlanesOf(const Shape& x) {
  return {x.dim(0) * x.dim(1), x.dim(2) * x.dim(3)};
}

}  // namespace dagrad
