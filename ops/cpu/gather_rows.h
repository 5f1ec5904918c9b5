// ops/cpu/gather_rows.h: row gathers from a table and their scatter-add,
// the kernels of Gather (embedding lookups).
//
//  - GatherRows(): out[p, :] = table[index[p], :].
//  - ScatterAddRows(): dtable[v, :] = sum over p with index[p] == v of
//    dy[p, :] (0 for rows no index names).
//
// Indices are floats holding whole numbers in [0, rows) (the op checked
// them). Determinism: ScatterAddRows() splits the TABLE rows over the pool;
// each thread scans every index in order and adds only into the rows it
// owns, so each row's sum runs in index order: bitwise the same at any
// thread count.
//
// Example:
//   // 64 token ids -> their 32-float embeddings.
//   GatherRows(pool, table, 32, ids, 64, out);
#ifndef DAGRAD_OPS_CPU_GATHER_ROWS_H_
#define DAGRAD_OPS_CPU_GATHER_ROWS_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// GatherRows() copies table rows (d floats each) named by index[0..count)
// into out [count, d].
void GatherRows(ThreadPool* pool, const float* table, int64_t d,
                const float* index, int64_t count, float* out);

// ScatterAddRows() writes dtable [rows, d] (overwriting it).
void ScatterAddRows(ThreadPool* pool, const float* dy, int64_t d,
                    const float* index, int64_t count, int64_t rows,
                    float* dtable);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_GATHER_ROWS_H_
