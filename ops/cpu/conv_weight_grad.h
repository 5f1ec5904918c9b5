// ops/cpu/conv_weight_grad.h: the weight- and bias-gradient block drivers
// of Conv2D over the blocks of a ConvPass::kWeightGrad plan:
//   dW_g [Mg, K] = sum_n dY[n,g] [Mg, P] · patches(x[n], g)^T [P, K],
//   dBias[o] = sum_{n,i,j} dY[n,o,i,j].
// Each fixed block of images reduces into its own partial [C_out, K] (one
// GEMM over the block's columns, or the direct kernels at stride 1); the
// partials are then summed in block order, so the result never depends on
// the thread count.
//
// Example:
//   const ConvPlan plan = PlanOf(geo, ConvPass::kWeightGrad);
//   ConvWeightGrad(plan, dy, x, dw, scratch, pool);
//   ConvBiasGrad(geo, dy, db, pool);
#ifndef DAGRAD_OPS_CPU_CONV_WEIGHT_GRAD_H_
#define DAGRAD_OPS_CPU_CONV_WEIGHT_GRAD_H_

#include "core/thread_pool.h"
#include "ops/cpu/conv_geometry.h"
#include "ops/cpu/conv_plan.h"

namespace dagrad {

// ConvWeightGrad() OVERWRITES dw [C_out, Cg, KH, KW] with the weight
// gradient for x [N, C_in, H, W] and dy [N, C_out, OH, OW], by plan.path
// (zeros for an empty batch). scratch holds ConvScratchFloats(plan,
// pool->num_threads()) floats.
void ConvWeightGrad(const ConvPlan& plan, const float* dy, const float* x,
                    float* dw, float* scratch, ThreadPool* pool);

// ConvBiasGrad() OVERWRITES db [C_out] with the per-channel sums of dy,
// each in the fixed order (n, i, j) over 16 lane partials.
void ConvBiasGrad(const ConvGeometry& geo, const float* dy, float* db,
                  ThreadPool* pool);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CONV_WEIGHT_GRAD_H_
