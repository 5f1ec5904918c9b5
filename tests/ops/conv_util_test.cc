// Tests of the convolution kernel helpers against their scalar definitions:
// the stride-1 col2im is bitwise equal to Col2Im(), Transpose16() moves
// every value, and DirectWeightGrad16() gives the sum it documents. (The
// Conv2D op tests check the kernels again through the op's forward, VJPs
// and gradients.)
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/conv16_util.h"
#include "ops/conv_util.h"
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
      {"kernel_wider_than_runs_fall_back", Stride1(1, 3, 45, 1, 40, 0, 0, 0, 0)},
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
    EXPECT_EQ(std::memcmp(want.data(), got.data(), sizeof(float) * dx_size),
              0);
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

TEST(Transpose16Test, EveryValueMoves) {
  if (!Correlate16Supported(3, 1)) GTEST_SKIP() << "needs AVX-512";
  for (int64_t n : {1, 15, 16, 17, 100}) {
    SCOPED_TRACE(n);
    const int64_t ld = n + 3;
    const std::vector<float> src = RandomVector(16 * ld, 11);
    std::vector<float> dst(n * 16 + 16, 9.0f);
    Transpose16(src.data(), ld, n, dst.data());
    for (int64_t q = 0; q < n; ++q) {
      for (int64_t l = 0; l < 16; ++l) {
        ASSERT_EQ(dst[q * 16 + l], src[l * ld + q]) << q << " " << l;
      }
    }
    for (int64_t i = n * 16; i < n * 16 + 16; ++i) ASSERT_EQ(dst[i], 9.0f);
  }
}

struct Wgrad16Case {
  std::string name;
  int64_t channels, kernel_h, kernel_w, out_h, out_w, dilation_h, images;
};

TEST(DirectWeightGrad16Test, MatchesTheDocumentedSum) {
  if (!Correlate16Supported(3, 1)) GTEST_SKIP() << "needs AVX-512";
  const Wgrad16Case cases[] = {
      {"lenet_conv2", 6, 5, 5, 10, 10, 1, 3},
      {"kw3_odd_rows", 3, 3, 3, 5, 7, 1, 2},
      // 13 positions: two tiles per row; dilated rows.
      {"two_tiles_dilated", 2, 3, 5, 4, 13, 2, 2},
      {"one_kernel_row", 1, 1, 3, 2, 30, 1, 1},
  };
  for (const Wgrad16Case& c : cases) {
    SCOPED_TRACE(c.name);
    // Images [C, hp, wp] with room for every tap.
    const int64_t hp = c.out_h + (c.kernel_h - 1) * c.dilation_h;
    const int64_t wp = c.out_w + c.kernel_w - 1 + 2;  // 2 spare columns.
    const int64_t image = c.channels * hp * wp;
    const std::vector<float> x = RandomVector(c.images * image, 21);
    const int64_t p = c.out_h * c.out_w;
    const std::vector<float> dyt = RandomVector(c.images * p * 16, 22);
    const DirectImage in{x.data(),          c.channels, hp * wp,
                         c.dilation_h * wp, 1,          c.kernel_h,
                         c.kernel_w};
    const int64_t k = c.channels * c.kernel_h * c.kernel_w;
    std::vector<float> dw16(k * 16, 5.0f);
    DirectWeightGrad16(in, image, wp, dyt.data(), p * 16, c.images, c.out_h,
                       c.out_w, dw16.data());
    for (int64_t ch = 0; ch < c.channels; ++ch) {
      for (int64_t u = 0; u < c.kernel_h; ++u) {
        for (int64_t v = 0; v < c.kernel_w; ++v) {
          const int64_t r = (ch * c.kernel_h + u) * c.kernel_w + v;
          for (int64_t l = 0; l < 16; ++l) {
            double want = 0.0;
            for (int64_t b = 0; b < c.images; ++b) {
              for (int64_t i = 0; i < c.out_h; ++i) {
                for (int64_t j = 0; j < c.out_w; ++j) {
                  want += static_cast<double>(
                              dyt[(b * p + i * c.out_w + j) * 16 + l]) *
                          x[b * image + ch * hp * wp +
                            (i + u * c.dilation_h) * wp + j + v];
                }
              }
            }
            ASSERT_NEAR(dw16[r * 16 + l], want, 1e-5 * (1.0 + std::abs(want)))
                << "row " << r << " lane " << l;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace dagrad
