// ops/cpu/row_block_gemm.h: a GEMM split over a ThreadPool by fixed blocks
// of output rows, the kernel of MatMul's forward and VJPs.
//
// Each block of `row_block` rows of c is one GemmRaw call (core/gemm.h), and
// the blocks are fixed by the shape, never by the thread count, so c is
// bitwise the same at any thread count.
//
// Example:
//   // c[m,n] = a[m,k] · b[k,n], 32 rows per GEMM call.
//   RowBlockGemm(pool, /*row_block=*/32, false, false, m, n, k, a, k, b, n,
//                c, n);
#ifndef DAGRAD_OPS_CPU_ROW_BLOCK_GEMM_H_
#define DAGRAD_OPS_CPU_ROW_BLOCK_GEMM_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// RowBlockGemm() sets c[m,n] = op(a) · op(b) (beta = 0), one GemmRaw per
// fixed block of `row_block` rows of c, the blocks split over `pool`.
// a/b/lda/ldb describe the STORED matrices as for GemmRaw.
void RowBlockGemm(ThreadPool* pool, int64_t row_block, bool trans_a,
                  bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                  int64_t lda, const float* b, int64_t ldb, float* c,
                  int64_t ldc);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_ROW_BLOCK_GEMM_H_
