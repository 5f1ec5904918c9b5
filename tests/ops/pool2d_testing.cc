#include "tests/ops/pool2d_testing.h"

#include <algorithm>
#include <cmath>

#include "core/thread_pool.h"
#include "gtest/gtest.h"
#include "ops/eager.h"

namespace dagrad {

PoolWindow Window(int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                  Padding padding) {
  PoolWindow a;
  a.window_h = kh;
  a.window_w = kw;
  a.stride_h = sh;
  a.stride_w = sw;
  a.padding = padding;
  return a;
}

PoolWindow WithPads(PoolWindow w, int64_t top, int64_t bottom, int64_t left,
                    int64_t right) {
  w.padding = Padding::kExplicit;
  w.pad_top = top;
  w.pad_bottom = bottom;
  w.pad_left = left;
  w.pad_right = right;
  return w;
}

RefPads ReferencePads(const Shape& x, const PoolWindow& a) {
  RefPads r;
  const int64_t h = x.dim(2), w = x.dim(3);
  if (a.padding == Padding::kExplicit) {
    r.top = a.pad_top;
    r.bottom = a.pad_bottom;
    r.left = a.pad_left;
    r.right = a.pad_right;
  } else if (a.padding == Padding::kSame) {
    const int64_t oh = (h + a.stride_h - 1) / a.stride_h;
    const int64_t ow = (w + a.stride_w - 1) / a.stride_w;
    const int64_t th =
        std::max<int64_t>((oh - 1) * a.stride_h + a.window_h - h, 0);
    const int64_t tw =
        std::max<int64_t>((ow - 1) * a.stride_w + a.window_w - w, 0);
    r.top = th / 2;
    r.bottom = th - r.top;
    r.left = tw / 2;
    r.right = tw - r.left;
  }
  r.oh = (h + r.top + r.bottom - a.window_h) / a.stride_h + 1;
  r.ow = (w + r.left + r.right - a.window_w) / a.stride_w + 1;
  return r;
}

Shape RefOutputShape(const Shape& x, const PoolWindow& a) {
  const RefPads r = ReferencePads(x, a);
  return Shape({x.dim(0), x.dim(1), r.oh, r.ow});
}

PoolRun RunPool(OpKind kind, const OpAttrs& attrs, const Tensor& x_in,
                const Tensor* dy, int threads) {
  Tensor x = x_in.Clone();
  ThreadPool pool(threads);
  auto op = EagerOp::Create(kind, attrs, {x.shape()}, &pool);
  EXPECT_TRUE(op.ok()) << op.status();
  PoolRun run;
  if (!op.ok()) return run;
  EXPECT_TRUE((*op)->Forward({&x}).ok());
  run.y = (*op)->output().Clone();
  if (dy != nullptr) {
    run.dx = Tensor::Zeros(x.shape());
    run.dx.Fill(std::nanf(""));
    EXPECT_TRUE((*op)->Vjp(0, *dy, &run.dx).ok());
  }
  return run;
}

void ExpectEqualTensors(const Tensor& got, const Tensor& want,
                        const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], want[i]) << what << " element " << i;
  }
}

void ExpectNearTensors(const Tensor& got, const Tensor& want, double tol,
                       const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i])))
        << what << " element " << i;
  }
}

}  // namespace dagrad
