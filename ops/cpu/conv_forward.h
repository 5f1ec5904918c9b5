// ops/cpu/conv_forward.h: the forward block driver of Conv2D,
//   y[n, g*Mg + m, :] [Mg, P] = W_g [Mg, K] · patches(x[n], g) [K, P] + bias
// (K = Cg*KH*KW, P = OH*OW), over the blocks of a ConvPass::kForward plan.
//
// Example:
//   const ConvPlan plan = PlanOf(geo, ConvPass::kForward);
//   ConvForward(plan, x, w, bias_or_null, y, scratch, pool);
#ifndef DAGRAD_OPS_CPU_CONV_FORWARD_H_
#define DAGRAD_OPS_CPU_CONV_FORWARD_H_

#include "core/thread_pool.h"
#include "ops/cpu/conv_plan.h"

namespace dagrad {

// ConvForward() OVERWRITES y [N, C_out, OH, OW] with the convolution of
// x [N, C_in, H, W] and w [C_out, Cg, KH, KW] plus bias [C_out] (if not
// null), by plan.path. scratch holds ConvScratchFloats(plan,
// pool->num_threads()) floats. Each output is one fixed sum whatever the
// thread count.
void ConvForward(const ConvPlan& plan, const float* x, const float* w,
                 const float* bias, float* y, float* scratch, ThreadPool* pool);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CONV_FORWARD_H_
