// ops/padding.h: the one padding attribute of the spatial ops (Conv2D,
// MaxPool2D, AvgPool2D) and the one rule that resolves it.
//
// An op pads each spatial dimension of its input by `before` cells in front
// and `after` cells behind, then slides a window of `extent` cells (the
// effective kernel, (kernel-1)*dilation + 1, for a convolution; the window
// for a pooling) with step `stride`:
//   out = (in + before + after - extent) / stride + 1.
// Per Padding:
//   kValid:    before = after = 0.
//   kSame:     TensorFlow's SAME: out = ceil(in / stride); the total
//              max((out-1)*stride + extent - in, 0) is split
//              before = total/2, after = total - before (SamePadding()).
//   kExplicit: the op's pad_top / pad_bottom / pad_left / pad_right.
//
// Example:
//   const PadSplit rows = SamePadding(/*in=*/28, /*extent=*/5, /*stride=*/1);
//   // rows.before == 2, rows.after == 2: SAME keeps 28 rows.
//   const PaddedDim d = ResolvePadding(Padding::kSame, 28, 5, 1, {});
//   // d.pads is rows, d.out == 28.
#ifndef DAGRAD_OPS_PADDING_H_
#define DAGRAD_OPS_PADDING_H_

#include <algorithm>
#include <cstdint>

namespace dagrad {

// Padding: how a spatial op pads its input (see the file comment).
enum class Padding { kValid, kSame, kExplicit };

// IsKnownPadding() is false for a value outside the enum (e.g. a cast
// integer); shape functions reject it.
inline bool IsKnownPadding(Padding p) {
  return p == Padding::kValid || p == Padding::kSame || p == Padding::kExplicit;
}

// PadSplit: the cells added before and after one spatial dimension.
struct PadSplit {
  int64_t before = 0;
  int64_t after = 0;
};

// SamePadding() is TensorFlow's SAME split of one spatial dimension of size
// `in` for a window of `extent` cells moved by `stride` (>= 1).
inline PadSplit SamePadding(int64_t in, int64_t extent, int64_t stride) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>((out - 1) * stride + extent - in, 0);
  return {total / 2, total - total / 2};
}

// PaddedDim: one spatial dimension with its padding resolved, and the
// output size: out = (in + pads.before + pads.after - extent) / stride + 1.
struct PaddedDim {
  PadSplit pads;
  int64_t out = 0;
};

// ResolvePadding() resolves `padding` for one dimension of `in` cells and a
// window of `extent` cells moved by `stride`; `explicit_pads` (the op's
// pad_top / pad_bottom, or pad_left / pad_right) count with kExplicit only.
// The shape function has accepted the attributes (a known padding, a
// window that fits).
inline PaddedDim ResolvePadding(Padding padding, int64_t in, int64_t extent,
                                int64_t stride, PadSplit explicit_pads) {
  PaddedDim d;
  switch (padding) {
    case Padding::kValid:
      break;
    case Padding::kSame:
      d.pads = SamePadding(in, extent, stride);
      break;
    case Padding::kExplicit:
      d.pads = explicit_pads;
      break;
  }
  d.out = (in + d.pads.before + d.pads.after - extent) / stride + 1;
  return d;
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_PADDING_H_
