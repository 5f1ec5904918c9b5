// ops/cpu/channel_bias.h: the kernels of BiasAdd, adding a per-channel bias
// to x viewed as [N, C, S] (S = the product of the dims after the channel
// axis, 1 for [N, C]) and summing dy back per channel.
//
// Determinism: each element of the result gets the same additions in the
// same order wherever the pool splits the work, so results are bitwise equal
// at any thread count.
//
// Example:
//   AddChannelBias(pool, x, bias, n, c, s, y);   // y[n,c,s] = x + bias[c]
//   SumPerChannel(pool, dy, n, c, s, dbias);     // dbias[c] = sum dy[:,c,:]
#ifndef DAGRAD_OPS_CPU_CHANNEL_BIAS_H_
#define DAGRAD_OPS_CPU_CHANNEL_BIAS_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// AddChannelBias() sets y[(n*C + c)*S + s] = x[(n*C + c)*S + s] + bias[c]
// for x and y [N, C, S] (y must not overlap x) and bias [C].
void AddChannelBias(ThreadPool* pool, const float* x, const float* bias,
                    int64_t batch, int64_t channels, int64_t spatial, float* y);

// SumPerChannel() sets out[c] = sum over n, s of dy[(n*C + c)*S + s]. For
// S == 1 each channel is summed in float, rows in order; otherwise in 16
// float lanes (plane position s % 16) plus a double tail, combined in double.
void SumPerChannel(ThreadPool* pool, const float* dy, int64_t batch,
                   int64_t channels, int64_t spatial, float* out);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CHANNEL_BIAS_H_
