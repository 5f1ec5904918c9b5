// ops/cpu/parallel_rows.h: splitting rows of a [rows, c] matrix over a
// ThreadPool, for the row-wise kernels (softmax_rows.h, class_losses.h).
//
// Small inputs (fewer than kRowMinElements elements) run inline, without a
// pool round trip. Callers compute each row the same way wherever the
// blocks fall, so results are bitwise equal at any thread count.
//
// Example:
//   ParallelRowBlocks(pool, rows, c, [&](int64_t begin, int64_t end) {
//     SoftmaxRows(x + begin * c, end - begin, c, y + begin * c, lse + begin,
//                 /*with_lse=*/true);
//   });
#ifndef DAGRAD_OPS_CPU_PARALLEL_ROWS_H_
#define DAGRAD_OPS_CPU_PARALLEL_ROWS_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// kRowMinElements is the smallest number of row elements ParallelRows()
// hands one thread; below it, waking a second thread costs more than it
// saves (a [64,10] batch runs inline).
inline constexpr int64_t kRowMinElements = 8192;

// ParallelRowBlocks() calls block_fn(begin, end) on disjoint row ranges
// covering [0, rows) on `pool`, rows of c elements each, each range at least
// kRowMinElements elements; small inputs run inline in one call.
template <typename F>
void ParallelRowBlocks(ThreadPool* pool, int64_t rows, int64_t c, F block_fn) {
  const int64_t min_rows = c >= kRowMinElements ? 1 : kRowMinElements / c;
  if (rows <= min_rows) {  // Inline: no pool round trip on small batches.
    block_fn(int64_t{0}, rows);
    return;
  }
  pool->ParallelFor(
      rows, [&](int64_t begin, int64_t end) { block_fn(begin, end); },
      min_rows);
}

// ParallelRows() calls row_fn(r) for every r in [0, rows), split as by
// ParallelRowBlocks().
template <typename F>
void ParallelRows(ThreadPool* pool, int64_t rows, int64_t c, F row_fn) {
  ParallelRowBlocks(pool, rows, c, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) row_fn(r);
  });
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_PARALLEL_ROWS_H_
