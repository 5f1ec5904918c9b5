#include "ops/cpu/conv_blocks.h"

#include <algorithm>
#include <cstring>

#include "ops/cpu/im2col.h"

namespace dagrad {

ConvBlock BlockOf(const ConvPlan& plan, int64_t blk) {
  ConvBlock b;
  b.n0 = blk * plan.block_images;
  b.count = std::min(plan.block_images, plan.geo.batch - b.n0);
  b.cols = b.count * plan.geo.out_pixels();
  return b;
}

const float* Patches(const ConvPlan& plan, const ConvBlock& b, int64_t g,
                     const float* x, float* buffer, int64_t* ld) {
  const ConvGeometry& geo = plan.geo;
  const int64_t cg = geo.group_in_channels();
  if (geo.is_pointwise()) {
    *ld = geo.in_pixels();
    return x + (b.n0 * geo.in_channels + g * cg) * geo.in_pixels();
  }
  for (int64_t i = 0; i < b.count; ++i) {
    Im2Col(geo, x + ((b.n0 + i) * geo.in_channels + g * cg) * geo.in_pixels(),
           buffer + i * geo.out_pixels(), b.cols);
  }
  *ld = b.cols;
  return buffer;
}

void GatherOutputGrad(const ConvGeometry& geo, int64_t n0, int64_t count,
                      int64_t g, const float* dy, int64_t ld, float* buffer) {
  const int64_t mg = geo.group_out_channels();
  const int64_t p = geo.out_pixels();
  for (int64_t m = 0; m < mg; ++m) {
    float* row = buffer + m * ld;
    for (int64_t i = 0; i < count; ++i) {
      std::memcpy(row + i * p,
                  dy + ((n0 + i) * geo.out_channels + g * mg + m) * p,
                  sizeof(float) * p);
    }
    std::fill(row + count * p, row + ld, 0.0f);
  }
}

const float* OutputGradBlock(const ConvPlan& plan, const ConvBlock& b,
                             int64_t g, const float* dy, float* buffer,
                             int64_t* ld) {
  const ConvGeometry& geo = plan.geo;
  const int64_t p = geo.out_pixels();
  if (b.count == 1) {
    *ld = p;
    return dy + (b.n0 * geo.out_channels + g * geo.group_out_channels()) * p;
  }
  GatherOutputGrad(geo, b.n0, b.count, g, dy, b.cols, buffer);
  *ld = b.cols;
  return buffer;
}

void PlaceLayout(const DirectLayout& l, const float* src, float* buf) {
  const int64_t plane = l.plane_h * l.plane_w;
  PlaceImage(src, l.channels, l.src_h, l.src_w, l.row_off, l.col_off, l.plane_h,
             l.plane_w, plane, l.buf_floats - l.channels * plane, buf);
}

DirectImage ImageOf(const ConvGeometry& geo, const DirectLayout& l,
                    const float* buf) {
  const int64_t plane = l.plane_h * l.plane_w;
  return DirectImage{buf,
                     l.channels,
                     plane,
                     geo.dilation_h * l.plane_w,
                     geo.dilation_w,
                     geo.kernel_h,
                     geo.kernel_w};
}

}  // namespace dagrad
