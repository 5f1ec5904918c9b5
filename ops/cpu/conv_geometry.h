// ops/cpu/conv_geometry.h: the geometry every 2-D convolution kernel in
// ops/cpu takes: sizes, strides, dilations, groups and the padding already
// resolved to four explicit pads.
//
// Ops fill it from their typed attrs after the shape function accepted them
// (Conv2DGeometryOf(), ops/conv2d.h); kernels trust it.
//
// Example:
//   ConvGeometry geo;  // x [64,6,14,14], w [16,6,5,5], VALID
//   geo.batch = 64; geo.in_channels = 6; geo.in_h = geo.in_w = 14;
//   geo.out_channels = 16; geo.kernel_h = geo.kernel_w = 5;
//   geo.out_h = geo.out_w = 10;
//   // geo.col_rows() == 150, geo.out_pixels() == 100
#ifndef DAGRAD_OPS_CPU_CONV_GEOMETRY_H_
#define DAGRAD_OPS_CPU_CONV_GEOMETRY_H_

#include <cstdint>

namespace dagrad {

// ConvGeometry: x [batch, in_channels, in_h, in_w] convolved with
// w [out_channels, in_channels/groups, kernel_h, kernel_w] gives
// y [batch, out_channels, out_h, out_w], where x is zero-padded by pad_top /
// pad_bottom rows and pad_left / pad_right columns and
//   out_h = (in_h + pad_top + pad_bottom - ((kernel_h-1)*dilation_h + 1))
//           / stride_h + 1   (likewise out_w).
struct ConvGeometry {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t in_h = 0;
  int64_t in_w = 0;
  int64_t out_channels = 0;
  int64_t kernel_h = 0;
  int64_t kernel_w = 0;
  int64_t out_h = 0;
  int64_t out_w = 0;
  int64_t stride_h = 1;
  int64_t stride_w = 1;
  int64_t dilation_h = 1;
  int64_t dilation_w = 1;
  int64_t pad_top = 0;
  int64_t pad_bottom = 0;
  int64_t pad_left = 0;
  int64_t pad_right = 0;
  int64_t groups = 1;

  // group_in_channels() is Cg = in_channels / groups.
  int64_t group_in_channels() const { return in_channels / groups; }
  // group_out_channels() is Mg = out_channels / groups.
  int64_t group_out_channels() const { return out_channels / groups; }
  // col_rows() is K = Cg * kernel_h * kernel_w, the length of one patch.
  int64_t col_rows() const { return group_in_channels() * kernel_h * kernel_w; }
  int64_t in_pixels() const { return in_h * in_w; }
  int64_t out_pixels() const { return out_h * out_w; }
  // is_pointwise() is true for a 1x1 kernel with stride 1 and no padding:
  // then the patch matrix of an image group IS its [Cg, H*W] slice of x.
  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 &&
           pad_top == 0 && pad_bottom == 0 && pad_left == 0 && pad_right == 0;
  }
};

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CONV_GEOMETRY_H_
