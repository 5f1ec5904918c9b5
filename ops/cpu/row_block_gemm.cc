#include "ops/cpu/row_block_gemm.h"

#include "core/gemm.h"

namespace dagrad {

void RowBlockGemm(ThreadPool* pool, int64_t row_block, bool trans_a,
                  bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                  int64_t lda, const float* b, int64_t ldb, float* c,
                  int64_t ldc) {
  const int64_t blocks = (m + row_block - 1) / row_block;
  // About 2 MFLOP per thread before a second thread pays off.
  const int64_t flops_per_block = 2 * row_block * n * k;
  const int64_t min_blocks =
      flops_per_block > 0 ? 1 + (1 << 21) / flops_per_block : blocks;
  pool->ParallelFor(
      blocks,
      [&](int64_t begin, int64_t end) {
        for (int64_t blk = begin; blk < end; ++blk) {
          const int64_t r0 = blk * row_block;
          const int64_t rows = r0 + row_block <= m ? row_block : m - r0;
          // Row r of op(a) is row r of a, or column r of a when transposed.
          const float* a_rows = trans_a ? a + r0 : a + r0 * lda;
          GemmRaw(trans_a, trans_b, rows, n, k, 1.0f, a_rows, lda, b, ldb, 0.0f,
                  c + r0 * ldc, ldc);
        }
      },
      min_blocks);
}

}  // namespace dagrad
