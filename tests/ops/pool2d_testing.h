// tests/ops/pool2d_testing.h: what the pooling op tests share
// (pool2d_test.cc, the pool family's shared checks, and max_pool2d_test.cc /
// avg_pool2d_test.cc, each op's own): window builders, the padding rule
// re-derived from TensorFlow's definition, and running an op.
//
// Each op's attribute sweep lives in its own file (MaxPoolCases(),
// AvgPoolCases()); the family test runs its checks over both sweeps, for
// both ops.
//
// Example:
//   const PoolWindow w = WithPads(Window(3, 3, 2, 2), 1, 0, 1, 0);
//   const PoolRun run = RunPool(As<AvgPool2DAttrs>(w), x, &dy, /*threads=*/2);
#ifndef DAGRAD_TESTS_OPS_POOL2D_TESTING_H_
#define DAGRAD_TESTS_OPS_POOL2D_TESTING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/tensor.h"
#include "ops/op.h"
#include "ops/pool_window.h"

namespace dagrad {

// Window() is a window_h x window_w window at stride (sh, sw).
PoolWindow Window(int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                  Padding padding = Padding::kValid);

// WithPads() is `w` with explicit padding.
PoolWindow WithPads(PoolWindow w, int64_t top, int64_t bottom, int64_t left,
                    int64_t right);

// As<Attrs>() is an op's attrs holding window `w`.
template <typename Attrs>
Attrs As(const PoolWindow& w) {
  Attrs a;
  static_cast<PoolWindow&>(a) = w;
  return a;
}

// PoolCase: one geometry of a sweep. fast_2x2 pins whether the op runs the
// 2x2 fast path (ops/cpu/pool2x2.h) on it in an AVX-512 build.
struct PoolCase {
  std::string name;
  Shape x;
  PoolWindow window;
  bool fast_2x2 = false;
};

// The ops' own attribute sweeps (max_pool2d_test.cc, avg_pool2d_test.cc).
std::vector<PoolCase> MaxPoolCases();
std::vector<PoolCase> AvgPoolCases();

// RefPads: padding and output size by TensorFlow's rules, re-derived here
// (SAME: OH = ceil(H/s), total = max((OH-1)*s + K - H, 0), top = total/2).
struct RefPads {
  int64_t top = 0, bottom = 0, left = 0, right = 0, oh = 0, ow = 0;
};
RefPads ReferencePads(const Shape& x, const PoolWindow& a);

// RefOutputShape() is [N, C, oh, ow] per ReferencePads().
Shape RefOutputShape(const Shape& x, const PoolWindow& a);

// PoolRun: an op's forward output and the VJP of dy (if given), written
// into a NaN-poisoned gradient.
struct PoolRun {
  Tensor y;
  Tensor dx;
};
PoolRun RunPool(OpKind kind, const OpAttrs& attrs, const Tensor& x,
                const Tensor* dy, int threads);
template <typename Attrs>
PoolRun RunPool(const Attrs& attrs, const Tensor& x, const Tensor* dy,
                int threads) {
  return RunPool(Attrs::kKind, OpAttrs(attrs), x, dy, threads);
}

// ExpectEqualTensors() / ExpectNearTensors(): element-wise equality, or
// |got - want| <= tol * (1 + |want|).
void ExpectEqualTensors(const Tensor& got, const Tensor& want,
                        const std::string& what);
void ExpectNearTensors(const Tensor& got, const Tensor& want, double tol,
                       const std::string& what);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_OPS_POOL2D_TESTING_H_
