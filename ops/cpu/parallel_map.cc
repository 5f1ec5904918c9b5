#include "ops/cpu/parallel_map.h"

#include <cstring>

namespace dagrad {

void ParallelCopy(ThreadPool* pool, const float* src, int64_t n, float* dst) {
  if (src == dst) return;  // A view (OpDef::view) planned onto its input.
  pool->ParallelFor(
      n,
      [&](int64_t begin, int64_t end) {
        std::memcpy(dst + begin, src + begin,
                    static_cast<size_t>(end - begin) * sizeof(float));
      },
      kCopyMinBlock);
}

}  // namespace dagrad
