// Tests of the 16-channel direct kernels (ops/cpu/direct_conv16.h) against
// their scalar definitions: Transpose16() moves every value, and
// DirectWeightGrad16() gives the sum it documents, in each of its
// blockings (Wgrad16Blocking), bitwise the same as the literal sum computed
// with FMAs in the documented order. (The Conv2D op tests check them again
// through the op's forward, VJPs and gradients.)
#include "ops/cpu/direct_conv16.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/cpu/direct_conv.h"
#include "ops/cpu/fma_probe.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

std::vector<float> RandomVector(int64_t n, uint64_t seed) {
  Tensor t = RandomTensor(Shape({n}), seed);
  return std::vector<float>(t.data(), t.data() + n);
}

TEST(Transpose16Test, EveryValueMoves) {
  if (!Correlate16Supported(3, 1)) GTEST_SKIP() << "needs AVX-512 or AVX2";
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

constexpr Wgrad16Blocking kBlockings[] = {Wgrad16Blocking::kTwoRows,
                                          Wgrad16Blocking::kWide};

// Every blocking, run explicitly (whatever ChosenWgrad16Blocking() picks on
// this machine), against the literal sum: within 1e-5 of it in double, and
// bitwise equal to it in float with one FMA per term in (b, i, j) order,
// the order the kernels document.
TEST(DirectWeightGrad16Test, EveryBlockingMatchesTheDocumentedSum) {
  if (!Correlate16Supported(3, 1)) GTEST_SKIP() << "needs AVX-512 or AVX2";
  // Kernel rows C*KH: 30 (LeNet), 9, 6, 1, 10 and 7, so the wide blocking
  // (3 or 4 rows per tile) ends on tiles of 1, 2 and 3 rows.
  const Wgrad16Case cases[] = {
      {"lenet_conv2", 6, 5, 5, 10, 10, 1, 3},
      {"kw3_odd_rows", 3, 3, 3, 5, 7, 1, 2},
      // 13 positions: two tiles per row; dilated rows.
      {"two_tiles_dilated", 2, 3, 5, 4, 13, 2, 2},
      {"one_kernel_row", 1, 1, 3, 2, 30, 1, 1},
      {"kw3_ten_rows", 5, 2, 3, 3, 12, 1, 2},
      {"kw5_seven_rows", 7, 1, 5, 3, 9, 1, 1},
  };
  for (const Wgrad16Blocking blocking : kBlockings) {
    for (const Wgrad16Case& c : cases) {
      SCOPED_TRACE(c.name + " " + Wgrad16BlockingName(blocking));
      // Images [C, hp, wp] with room for every tap.
      const int64_t hp = c.out_h + (c.kernel_h - 1) * c.dilation_h;
      const int64_t wp = c.out_w + c.kernel_w - 1 + 2;  // 2 spare columns.
      const int64_t image = c.channels * hp * wp;
      const std::vector<float> x = RandomVector(c.images * image, 21);
      const int64_t p = c.out_h * c.out_w;
      const std::vector<float> dyt = RandomVector(c.images * p * 16, 22);
      const DirectImage in{x.data(), c.channels, hp * wp,   c.dilation_h * wp,
                           1,        c.kernel_h, c.kernel_w};
      const int64_t k = c.channels * c.kernel_h * c.kernel_w;
      std::vector<float> dw16(k * 16, 5.0f);
      DirectWeightGrad16With(blocking, in, image, wp, dyt.data(), p * 16,
                             c.images, c.out_h, c.out_w, dw16.data());
      for (int64_t ch = 0; ch < c.channels; ++ch) {
        for (int64_t u = 0; u < c.kernel_h; ++u) {
          for (int64_t v = 0; v < c.kernel_w; ++v) {
            const int64_t r = (ch * c.kernel_h + u) * c.kernel_w + v;
            for (int64_t l = 0; l < 16; ++l) {
              double want = 0.0;
              float in_order = 0.0f;
              for (int64_t b = 0; b < c.images; ++b) {
                for (int64_t i = 0; i < c.out_h; ++i) {
                  for (int64_t j = 0; j < c.out_w; ++j) {
                    const float d = dyt[(b * p + i * c.out_w + j) * 16 + l];
                    const float xv = x[b * image + ch * hp * wp +
                                       (i + u * c.dilation_h) * wp + j + v];
                    want += static_cast<double>(d) * xv;
                    in_order = std::fma(d, xv, in_order);
                  }
                }
              }
              ASSERT_NEAR(dw16[r * 16 + l], want, 1e-5 * (1.0 + std::abs(want)))
                  << "row " << r << " lane " << l;
              ASSERT_EQ(dw16[r * 16 + l], in_order)
                  << "row " << r << " lane " << l;
            }
          }
        }
      }
    }
  }
}

// DirectWeightGrad16() runs ChosenWgrad16Blocking(), and that is kWide
// exactly on a core the probe found two FMA pipes on.
TEST(DirectWeightGrad16Test, DefaultRunsTheChosenBlocking) {
  if (!Correlate16Supported(3, 1)) GTEST_SKIP() << "needs AVX-512 or AVX2";
  EXPECT_EQ(ChosenWgrad16Blocking(), FmaPipes() >= 2
                                         ? Wgrad16Blocking::kWide
                                         : Wgrad16Blocking::kTwoRows);
  const int64_t hp = 14, wp = 14, out = 10, channels = 6;
  const std::vector<float> x = RandomVector(2 * channels * hp * wp, 31);
  const std::vector<float> dyt = RandomVector(2 * out * out * 16, 32);
  const DirectImage in{x.data(), channels, hp * wp, wp, 1, 5, 5};
  const int64_t k = channels * 25;
  std::vector<float> chosen(k * 16), by_default(k * 16);
  DirectWeightGrad16With(ChosenWgrad16Blocking(), in, channels * hp * wp, wp,
                         dyt.data(), out * out * 16, 2, out, out,
                         chosen.data());
  DirectWeightGrad16(in, channels * hp * wp, wp, dyt.data(), out * out * 16, 2,
                     out, out, by_default.data());
  EXPECT_EQ(std::memcmp(chosen.data(), by_default.data(),
                        chosen.size() * sizeof(float)),
            0);
}

// DirectCorrelate16() over every tile width (AVX-512: up to 12 positions,
// 2 rows; AVX2: up to 12 or 10 positions, per half of 8 channels), with and
// without bias: bitwise the literal sum, one FMA per term in (c, u, v)
// order from 0, then + bias.
TEST(DirectCorrelate16Test, EveryTileIsTheLiteralFmaSum) {
  if (!Correlate16Supported(3, 1)) GTEST_SKIP() << "needs AVX-512 or AVX2";
  for (int64_t kw : {3, 5}) {
    for (int64_t channels : {1, 3}) {
      for (int64_t out_h : {1, 2, 3}) {
        for (int64_t out_w = 1; out_w <= 27; ++out_w) {
          for (bool with_bias : {false, true}) {
            SCOPED_TRACE(::testing::Message()
                         << "KW=" << kw << " C=" << channels << " out " << out_h
                         << "x" << out_w << " bias=" << with_bias);
            const int64_t kh = kw == 3 ? 2 : 5;  // Non-square for KW 3.
            const int64_t h = out_h + kh - 1, ld = out_w + kw - 1;
            const int64_t p = out_h * out_w, k = channels * kh * kw;
            const std::vector<float> x =
                RandomVector(channels * h * ld, 40 + out_w);
            const std::vector<float> w = RandomVector(16 * k, 41 + out_h);
            const std::vector<float> bias = RandomVector(16, 42);
            // w16 [K, 16], 64-byte aligned.
            std::vector<float> w16_buf(16 * k + 16);
            float* w16 = w16_buf.data();
            while (reinterpret_cast<uintptr_t>(w16) % 64 != 0) ++w16;
            TransposeRows(w.data(), 16, k, k, w16);
            std::vector<float> tbuf((p + 15) / 16 * 16 * 16);
            const int64_t ld_out = p + 5;
            std::vector<float> out(16 * ld_out, 99.0f);
            const DirectImage in{x.data(), channels, h * ld, ld, 1, kh, kw};
            DirectCorrelate16(in, ld, w16, out_h, out_w,
                              with_bias ? bias.data() : nullptr, tbuf.data(),
                              out.data(), ld_out);
            for (int64_t l = 0; l < 16; ++l) {
              for (int64_t q = 0; q < ld_out; ++q) {
                if (q >= p) {
                  ASSERT_EQ(out[l * ld_out + q], 99.0f) << l << " " << q;
                  continue;
                }
                const int64_t i = q / out_w, j = q % out_w;
                float acc = 0.0f;
                for (int64_t c = 0; c < channels; ++c) {
                  for (int64_t u = 0; u < kh; ++u) {
                    for (int64_t v = 0; v < kw; ++v) {
                      acc = std::fma(w[l * k + (c * kh + u) * kw + v],
                                     x[c * h * ld + (i + u) * ld + j + v], acc);
                    }
                  }
                }
                if (with_bias) acc += bias[l];
                ASSERT_EQ(out[l * ld_out + q], acc)
                    << "lane " << l << " q " << q;
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace dagrad
