#include "ops/cpu/gather_rows.h"

#include <cstring>

#include "ops/cpu/row_arith.h"

namespace dagrad {

void GatherRows(ThreadPool* pool, const float* table, int64_t d,
                const float* index, int64_t count, float* out) {
  pool->ParallelFor(
      count,
      [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
          const int64_t v = static_cast<int64_t>(index[p]);
          std::memcpy(out + p * d, table + v * d,
                      static_cast<size_t>(d) * sizeof(float));
        }
      },
      1 + 16384 / (d > 0 ? d : 1));
}

void ScatterAddRows(ThreadPool* pool, const float* dy, int64_t d,
                    const float* index, int64_t count, int64_t rows,
                    float* dtable) {
  // Each block of table rows costs a scan of every index plus its adds.
  pool->ParallelFor(
      rows,
      [&](int64_t begin, int64_t end) {
        std::memset(dtable + begin * d, 0,
                    static_cast<size_t>((end - begin) * d) * sizeof(float));
        for (int64_t p = 0; p < count; ++p) {
          const int64_t v = static_cast<int64_t>(index[p]);
          if (v >= begin && v < end) {
            AccumulateRow(dtable + v * d, dy + p * d, d);
          }
        }
      },
      1 + 16384 / (d > 0 ? d : 1));
}

}  // namespace dagrad
