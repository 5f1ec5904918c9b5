// Tests of the patch kernels (ops/cpu/im2col.h) against their scalar
// definitions: the stride-1 col2im is bitwise equal to Col2Im(). (The
// Conv2D op tests check the kernels again through the op's forward, VJPs
// and gradients.)
#include "ops/cpu/im2col.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/cpu/conv_geometry.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

std::vector<float> RandomVector(int64_t n, uint64_t seed) {
  Tensor t = RandomTensor(Shape({n}), seed);
  return std::vector<float>(t.data(), t.data() + n);
}

// Stride-1 geometry with out_h / out_w derived from the rest.
ConvGeometry Stride1(int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw,
                     int64_t pt, int64_t pb, int64_t pl, int64_t pr,
                     int64_t dh = 1, int64_t dw = 1) {
  ConvGeometry g;
  g.batch = 1;
  g.in_channels = cg;
  g.in_h = h;
  g.in_w = w;
  g.out_channels = 1;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.dilation_h = dh;
  g.dilation_w = dw;
  g.pad_top = pt;
  g.pad_bottom = pb;
  g.pad_left = pl;
  g.pad_right = pr;
  g.out_h = h + pt + pb - (kh - 1) * dh;
  g.out_w = w + pl + pr - (kw - 1) * dw;
  return g;
}

struct Col2ImCase {
  std::string name;
  ConvGeometry geo;
};

TEST(Col2ImStride1Test, BitwiseEqualToCol2Im) {
  const Col2ImCase cases[] = {
      {"lenet_conv2_valid", Stride1(6, 14, 14, 5, 5, 0, 0, 0, 0)},
      {"same_3x3", Stride1(3, 7, 9, 3, 3, 1, 1, 1, 1)},
      {"rows_wider_than_a_vector", Stride1(2, 5, 37, 3, 5, 1, 2, 2, 1)},
      {"dilated", Stride1(2, 9, 20, 3, 2, 2, 1, 1, 2, 2, 3)},
      {"more_channels_than_one_run", Stride1(11, 4, 4, 2, 2, 0, 0, 0, 0)},
      {"pad_beyond_kernel", Stride1(2, 4, 5, 2, 2, 3, 0, 1, 4)},
      {"kernel_wider_than_runs_fall_back",
       Stride1(1, 3, 45, 1, 40, 0, 0, 0, 0)},
  };
  for (const Col2ImCase& c : cases) {
    SCOPED_TRACE(c.name);
    const ConvGeometry& g = c.geo;
    ASSERT_GT(g.out_h, 0);
    ASSERT_GT(g.out_w, 0);
    const int64_t ld = g.out_pixels() + 5;  // Wider than one image's columns.
    const std::vector<float> col = RandomVector(g.col_rows() * ld, 7);
    const int64_t dx_size = g.in_channels * g.in_pixels();
    std::vector<float> want(dx_size, -1.0f), got(dx_size, 7.0f);
    Col2Im(g, col.data(), ld, want.data());
    Col2ImStride1(g, g.in_channels, col.data(), ld, got.data());
    EXPECT_EQ(std::memcmp(want.data(), got.data(), sizeof(float) * dx_size), 0);
    // The first channels alone: the same values, nothing past them written.
    const int64_t part = (g.in_channels + 1) / 2;
    std::vector<float> first(dx_size, 3.0f);
    Col2ImStride1(g, part, col.data(), ld, first.data());
    const int64_t written = part * g.in_pixels();
    EXPECT_EQ(std::memcmp(want.data(), first.data(), sizeof(float) * written),
              0);
    for (int64_t i = written; i < dx_size; ++i) ASSERT_EQ(first[i], 3.0f);
  }
}

}  // namespace
}  // namespace dagrad
