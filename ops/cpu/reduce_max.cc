#include "ops/cpu/reduce_max.h"

#include <limits>

#include "absl/functional/function_ref.h"

namespace dagrad {
namespace {

// kInnerBlock: a task is one outer index and up to kInnerBlock consecutive
// inner indices (as ReduceMiddle() in reduce.cc).
constexpr int64_t kInnerBlock = 256;

// ForEachTask() calls task(o, i0, len) over the (outer, inner block) tasks.
void ForEachTask(
    ThreadPool* pool, int64_t outer, int64_t mid, int64_t inner,
    absl::FunctionRef<void(int64_t o, int64_t i0, int64_t len)> task) {
  const int64_t blocks = (inner + kInnerBlock - 1) / kInnerBlock;
  const int64_t work = mid * (inner < kInnerBlock ? inner : kInnerBlock);
  pool->ParallelFor(
      outer * blocks,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          const int64_t i0 = (t % blocks) * kInnerBlock;
          task(t / blocks, i0,
               i0 + kInnerBlock <= inner ? kInnerBlock : inner - i0);
        }
      },
      1 + 16384 / (work > 0 ? work : 1));
}

}  // namespace

void MaxMiddle(ThreadPool* pool, const float* x, int64_t outer, int64_t mid,
               int64_t inner, float* out) {
  ForEachTask(pool, outer, mid, inner, [&](int64_t o, int64_t i0, int64_t n) {
    float* __restrict dst = out + o * inner + i0;
    for (int64_t i = 0; i < n; ++i) {
      dst[i] = -std::numeric_limits<float>::infinity();
    }
    for (int64_t j = 0; j < mid; ++j) {
      const float* __restrict row = x + (o * mid + j) * inner + i0;
      for (int64_t i = 0; i < n; ++i) {
        const float v = row[i];
        dst[i] = (v > dst[i] || v != v) ? v : dst[i];
      }
    }
  });
}

void MaxMiddleVjp(ThreadPool* pool, const float* x, const float* out,
                  const float* dy, int64_t outer, int64_t mid, int64_t inner,
                  float* dx) {
  ForEachTask(pool, outer, mid, inner, [&](int64_t o, int64_t i0, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = o * inner + i0 + i;
      bool routed = false;
      for (int64_t j = 0; j < mid; ++j) {
        const int64_t at = (o * mid + j) * inner + i0 + i;
        const bool here = !routed && x[at] == out[k];
        dx[at] = here ? dy[k] : 0.0f;
        routed = routed || here;
      }
    }
  });
}

}  // namespace dagrad
