// ops/cpu/philox_simd.h: Philox4x32-10 (core/random.h) on many counters side
// by side, for kernels that draw a whole block of random numbers at once
// (dropout_mask.cc).
//
// PhiloxBatch() runs the 10 rounds on kPhiloxBatch counters in structure of
// arrays form, with AVX-512 where the build targets it and otherwise through
// core's scalar PhiloxRound() (which GCC vectorizes, less well: it widens to
// 64-bit multiplies). Integer arithmetic only, so every path gives exactly
// the bits of Philox4x32_10() for each counter. This header exposes no
// intrinsics; they stay in philox_simd.cc.
//
// Example:
//   uint32_t c0[kPhiloxBatch], c1[kPhiloxBatch], c2[kPhiloxBatch],
//       c3[kPhiloxBatch];
//   ...  // counter j = (c0[j], c1[j], c2[j], c3[j])
//   PhiloxBatch(PhiloxKey(seed), c0, c1, c2, c3);  // now the outputs
#ifndef DAGRAD_OPS_CPU_PHILOX_SIMD_H_
#define DAGRAD_OPS_CPU_PHILOX_SIMD_H_

#include <array>
#include <cstdint>

namespace dagrad {

// kPhiloxBatch is the number of Philox blocks PhiloxBatch() computes per
// call (4 AVX-512 vectors of 16 counters).
inline constexpr int kPhiloxBatch = 64;

// PhiloxBatch() replaces counter j = (c0[j], c1[j], c2[j], c3[j]), for j <
// kPhiloxBatch, with Philox4x32_10(counter j, key). The four arrays hold
// kPhiloxBatch words each (any alignment) and must not overlap.
void PhiloxBatch(std::array<uint32_t, 2> key, uint32_t* c0, uint32_t* c1,
                 uint32_t* c2, uint32_t* c3);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_PHILOX_SIMD_H_
