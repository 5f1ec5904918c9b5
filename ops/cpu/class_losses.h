// ops/cpu/class_losses.h: the kernels of the classification losses,
// CrossEntropy (on probabilities) and SoftmaxCrossEntropy (on logits).
//
// Labels are [N] class ids stored as floats (class_ids == true; each an
// integer in [0, C), checked by the op before the kernel runs) or [N, C]
// per-class targets (class_ids == false). Rows are split over the pool with
// ParallelRows() (parallel_rows.h); each row's loss and gradient are
// computed the same way wherever the split falls, and MeanOfLosses() adds
// the per-example losses in example order, so results are bitwise the same
// at any thread count.
//
// Example:
//   CrossEntropyLosses(pool, p, labels, /*class_ids=*/true, n, c, losses);
//   loss[0] = MeanOfLosses(losses, n);
#ifndef DAGRAD_OPS_CPU_CLASS_LOSSES_H_
#define DAGRAD_OPS_CPU_CLASS_LOSSES_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// MeanOfLosses() is (1/n) sum_r losses[r], summed in double in example
// order, rounded to float once.
float MeanOfLosses(const float* losses, int64_t n);

// CrossEntropyLosses() sets losses[r] = -log p[r, label_r] (class ids) or
// -sum_{i: t_ri != 0} t_ri log p_ri (targets, summed in double) for the n
// rows of p [n, c].
void CrossEntropyLosses(ThreadPool* pool, const float* p, const float* labels,
                        bool class_ids, int64_t n, int64_t c, float* losses);

// CrossEntropyGrad() sets dx [n, c] = scale * t / p, 0 where t == 0 (t the
// one-hot of the class ids, or the targets).
void CrossEntropyGrad(ThreadPool* pool, const float* p, const float* labels,
                      bool class_ids, int64_t n, int64_t c, float scale,
                      float* dx);

// SoftmaxCrossEntropyLosses() sets p = softmax(x) [n, c] (SoftmaxRows()) and
// losses[r] = lse_r - x[r, label_r] (class ids) or sum_i t_ri (lse_r - x_ri)
// (targets, summed in double), lse_r = logsumexp(x_r).
void SoftmaxCrossEntropyLosses(ThreadPool* pool, const float* x,
                               const float* labels, bool class_ids, int64_t n,
                               int64_t c, float* p, float* losses);

// SoftmaxCrossEntropyGrad() sets dx [n, c] = (s_r p - t) * scale, where
// s_r = sum_i t_ri (1 for class ids), the derivative of
// SoftmaxCrossEntropyLosses() for targets of any row sum.
void SoftmaxCrossEntropyGrad(ThreadPool* pool, const float* p,
                             const float* labels, bool class_ids, int64_t n,
                             int64_t c, float scale, float* dx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CLASS_LOSSES_H_
