// ops/cpu/conv_input_grad.h: the input-gradient block driver of Conv2D,
// dX = the correlation of the stride-dilated, padded dY with the kernel
// rotated by 180 degrees (in/out channels swapped per group), over the
// blocks of a ConvPass::kInputGrad plan. The math, and how each path
// computes it, is above Conv2DVjp() (ops/conv2d.cc) and the paths' own
// comments (ops/cpu/conv_input_grad.cc).
//
// Example:
//   const ConvPlan plan = PlanOf(geo, ConvPass::kInputGrad);
//   ConvInputGrad(plan, dy, w, dx, scratch, pool);
#ifndef DAGRAD_OPS_CPU_CONV_INPUT_GRAD_H_
#define DAGRAD_OPS_CPU_CONV_INPUT_GRAD_H_

#include "core/thread_pool.h"
#include "ops/cpu/conv_plan.h"

namespace dagrad {

// ConvInputGrad() OVERWRITES dx [N, C_in, H, W] with the gradient of the
// convolution with w [C_out, Cg, KH, KW] for dy [N, C_out, OH, OW], by
// plan.path. scratch holds ConvScratchFloats(plan, pool->num_threads())
// floats. Each element is one fixed sum whatever the thread count; the
// scatter path's sums equal, in value and order, those of the GEMM path's
// col2im.
void ConvInputGrad(const ConvPlan& plan, const float* dy, const float* w,
                   float* dx, float* scratch, ThreadPool* pool);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CONV_INPUT_GRAD_H_
