// ops/cpu/softmax_rows.h: stable softmax and log-softmax over rows of c
// logits, and their VJPs, the kernels of Softmax, LogSoftmax and
// SoftmaxCrossEntropy.
//
// Each function works on a block of consecutive rows ([rows, c], row-major)
// on the calling thread; split a tensor's rows over a pool with
// ParallelRowBlocks() (parallel_rows.h).
//
// Determinism: every row is computed by the same arithmetic in the same
// order wherever its block starts, so results are bitwise the same for any
// split of a tensor's rows into blocks (any thread count).
//
// Example:
//   ParallelRowBlocks(pool, rows, c, [&](int64_t begin, int64_t end) {
//     SoftmaxRows(x + begin * c, end - begin, c, y + begin * c, lse + begin,
//                 /*with_lse=*/true);
//   });
#ifndef DAGRAD_OPS_CPU_SOFTMAX_ROWS_H_
#define DAGRAD_OPS_CPU_SOFTMAX_ROWS_H_

#include <cstdint>

namespace dagrad {

// SoftmaxRows() writes y = softmax(x) over each of `rows` rows of c >= 1
// floats and, if `with_lse`, lse[r] = log(sum(exp(x_r))) for each row (else
// `lse` is only scratch: Softmax skips the logs), both computed stably
// (exp of x - max(x) <= 0, so nothing overflows). A row holding NaN or +inf,
// or only -inf, gives NaN throughout its y and lse (as PyTorch does); nothing
// is silently dropped. `y` must not overlap `x`; `lse` (rows floats) must not
// overlap either.
//
// The exps run over the whole block in 16-float vector chunks (each element
// through the same machine code wherever the block starts), so y and lse are
// bitwise the same for any split of a tensor's rows into blocks.
void SoftmaxRows(const float* x, int64_t rows, int64_t c, float* y, float* lse,
                 bool with_lse);

// LogSoftmaxRows() writes y = x - log(sum(exp(x))) = log(softmax(x)) over
// each row, stably; `lse` (rows floats) is scratch. The same non-finite and
// determinism rules as SoftmaxRows(). Every finite y is <= 0.
void LogSoftmaxRows(const float* x, int64_t rows, int64_t c, float* y,
                    float* lse);

// SoftmaxGradRows() writes, per row, dx_i = y_i * (dy_i - sum_j dy_j y_j)
// for y = softmax(x) (the sum in float, in index order). dx must not overlap
// y or dy.
void SoftmaxGradRows(const float* y, const float* dy, int64_t rows, int64_t c,
                     float* dx);

// LogSoftmaxGradRows() writes, per row, dx_i = dy_i - exp(y_i) sum_j dy_j
// for y = log_softmax(x) (the sum in float, in index order); a row whose y
// is NaN (the forward makes a row NaN throughout or not at all) gives NaN
// throughout. dx must not overlap y or dy.
void LogSoftmaxGradRows(const float* y, const float* dy, int64_t rows,
                        int64_t c, float* dx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_SOFTMAX_ROWS_H_
