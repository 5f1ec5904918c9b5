// Tests of the q-grid direct kernels (ops/cpu/direct_conv.h) against their
// scalar definitions, over every tile shape the build's ISA has (AVX-512:
// up to 8 rows x 3 vectors, 6 x 4; AVX2: up to 6 rows x 2 vectors, and 1-
// and 2-row tiles up to 8 and 4 vectors wide): DirectCorrelate() is bitwise
// the literal sum with one FMA per term in (c, u, v) order, whatever the
// tiling; DirectWeightGrad() is within float rounding of the sum in double.
// (The Conv2D op tests check them again through the op.)
#include "ops/cpu/direct_conv.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

std::vector<float> RandomVector(int64_t n, uint64_t seed) {
  Tensor t = RandomTensor(Shape({n}), seed);
  return std::vector<float>(t.data(), t.data() + n);
}

// Image: C planes of h x w (w the row stride), kernel KH x KW at dilation
// (dh, dw), with zero-free slack after the last plane for the last reads.
struct Image {
  int64_t channels, h, w, kernel_h, kernel_w, dilation_h, dilation_w;

  int64_t Plane() const { return h * w; }
  int64_t Offset(int64_t c, int64_t u, int64_t v) const {
    return c * Plane() + u * dilation_h * w + v * dilation_w;
  }
  int64_t K() const { return channels * kernel_h * kernel_w; }
  // Floats to allocate for reads up to q_pad past the last offset.
  int64_t Floats(int64_t q_pad) const {
    return Offset(channels - 1, kernel_h - 1, kernel_w - 1) + q_pad;
  }
  DirectImage View(const float* data) const {
    return DirectImage{data,       channels, Plane(), dilation_h * w,
                       dilation_w, kernel_h, kernel_w};
  }
};

const Image kImages[] = {
    {1, 9, 12, 5, 5, 1, 1},  // LeNet's conv1: one channel.
    {3, 6, 8, 3, 2, 1, 1},   // Non-square kernel.
    {2, 7, 9, 2, 3, 2, 2},   // Dilated both ways.
    {16, 4, 4, 1, 1, 1, 1},  // 1x1 (the scatter-form dX's GEMM).
};

TEST(DirectCorrelateTest, EveryTileIsTheLiteralFmaSum) {
  if (!DirectConvAvailable()) GTEST_SKIP() << "needs AVX-512 or AVX2";
  for (const Image& im : kImages) {
    // q_pad 16..144: every run of vectors the tilings leave, incl. a
    // remainder of 1, 2 or 3 tiles' worth.
    for (int64_t q_pad = 16; q_pad <= 144; q_pad += 16) {
      for (int64_t rows = 1; rows <= 19; ++rows) {
        SCOPED_TRACE(::testing::Message()
                     << "C=" << im.channels << " KH=" << im.kernel_h
                     << " q_pad=" << q_pad << " rows=" << rows);
        const int64_t k = im.K();
        const int64_t ld_w = k + 3, ld_out = q_pad + 16;
        const std::vector<float> in = RandomVector(im.Floats(q_pad), 7 + rows);
        const std::vector<float> w = RandomVector(rows * ld_w, 3 + q_pad);
        std::vector<float> out(rows * ld_out, 99.0f);
        DirectCorrelate(im.View(in.data()), w.data(), ld_w, rows, q_pad,
                        out.data(), ld_out);
        for (int64_t m = 0; m < rows; ++m) {
          for (int64_t q = 0; q < ld_out; ++q) {
            if (q >= q_pad) {  // Past q_pad: untouched.
              ASSERT_EQ(out[m * ld_out + q], 99.0f) << m << " " << q;
              continue;
            }
            float acc = 0.0f;
            int64_t kk = 0;
            for (int64_t c = 0; c < im.channels; ++c) {
              for (int64_t u = 0; u < im.kernel_h; ++u) {
                for (int64_t v = 0; v < im.kernel_w; ++v, ++kk) {
                  acc = std::fma(w[m * ld_w + kk], in[im.Offset(c, u, v) + q],
                                 acc);
                }
              }
            }
            ASSERT_EQ(out[m * ld_out + q], acc) << "m=" << m << " q=" << q;
          }
        }
      }
    }
  }
}

TEST(DirectWeightGradTest, EveryTileIsTheSum) {
  if (!DirectConvAvailable()) GTEST_SKIP() << "needs AVX-512 or AVX2";
  constexpr int64_t kImagesPerCall = 3;
  for (const Image& im : kImages) {
    for (int64_t q_pad : {16, 48, 80}) {
      // Rows 1..13: each row tiling (AVX-512: 6-row tiles; AVX2: 3) ends on
      // tiles of every height, and K's near-equal splits on every width.
      for (int64_t rows = 1; rows <= 13; ++rows) {
        SCOPED_TRACE(::testing::Message()
                     << "C=" << im.channels << " KH=" << im.kernel_h
                     << " q_pad=" << q_pad << " rows=" << rows);
        const int64_t k = im.K();
        const int64_t image_stride = im.Floats(q_pad) + 5;
        const int64_t ld_dy = q_pad + 16, dy_stride = rows * ld_dy + 7;
        const int64_t ld_dw = k + 2;
        const std::vector<float> in =
            RandomVector(kImagesPerCall * image_stride, 5 + rows);
        const std::vector<float> dy =
            RandomVector(kImagesPerCall * dy_stride, 9 + q_pad);
        std::vector<float> dw(rows * ld_dw, 99.0f);
        DirectWeightGrad(im.View(in.data()), image_stride, dy.data(), ld_dy,
                         dy_stride, kImagesPerCall, rows, q_pad, dw.data(),
                         ld_dw);
        for (int64_t m = 0; m < rows; ++m) {
          int64_t kk = 0;
          for (int64_t c = 0; c < im.channels; ++c) {
            for (int64_t u = 0; u < im.kernel_h; ++u) {
              for (int64_t v = 0; v < im.kernel_w; ++v, ++kk) {
                double sum = 0.0, abs_sum = 0.0;
                for (int64_t b = 0; b < kImagesPerCall; ++b) {
                  for (int64_t q = 0; q < q_pad; ++q) {
                    const double t =
                        double{dy[b * dy_stride + m * ld_dy + q]} *
                        in[b * image_stride + im.Offset(c, u, v) + q];
                    sum += t;
                    abs_sum += std::fabs(t);
                  }
                }
                ASSERT_NEAR(dw[m * ld_dw + kk], sum, 1e-6 * abs_sum + 1e-7)
                    << "m=" << m << " k=" << kk;
              }
            }
          }
          for (int64_t t = k; t < ld_dw; ++t) {  // Past K: untouched.
            ASSERT_EQ(dw[m * ld_dw + t], 99.0f) << m << " " << t;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace dagrad
