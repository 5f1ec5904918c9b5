// ops/dropout.h: Dropout, inverted dropout with drop probability p.
//
// Inputs: x [any]. Output: y, the shape of x. Attrs: p in [0, 1).
//
// Training mode (ForwardContext::training):
//   keep_i = [u_i < 1 - p],  u_i uniform in [0, 1),
//   y_i    = x_i * m_i,      m_i = keep_i * s,  s = 1 / (1 - p)
// and the VJP is dL/dx_i = dL/dy_i * m_i. s is 1/(1-p) rounded to float once,
// so y_i is x_i/(1-p) up to one rounding (PyTorch multiplies by the same
// float scale). Non-finite x_i propagate as in PyTorch: a dropped inf gives
// NaN (inf * 0).
// Inference mode: y = x and dL/dx = dL/dy. With p == 0 the op is the
// identity in both modes.
//
// Relation to the weight-scaling inference rule. Hinton et al. (2012) and
// Srivastava et al. (2014) train with y = x * keep and approximate the
// ensemble of thinned networks at test time by scaling the outgoing weights
// by 1 - p. Inverted dropout moves that factor to training time: since
// E[keep_i] = 1 - p, E[y_i] = x_i (1 - p) / (1 - p) = x_i, so the expected
// activation in training equals the inference activation, and inference
// needs no rescaling (the op is simply the identity there). The two schemes
// give the same function up to that constant factor in the next layer's
// weights.
//
// Randomness. Element i of x has the global index g = o * r + i, where
// o = ctx.example_offset is the global batch row of x's row 0 (ops/op.h)
// and r the number of elements in one row (dim 0 is the batch axis; o is
// ignored for a 0-d or empty x): its index in the step's whole batch.
// u_i is draw g (as Rng::Uniform(): the top 24 bits of a 32-bit draw times
// 2^-24) of the counter-based stream Rng(ctx.seed, /*stream=*/ctx.step) of
// core/random.h, i.e. word g % 4 of Philox4x32-10 block g / 4. The mask is
// thus a pure function of (seed, step, global element index): the same bit
// for bit at any thread count and block split, different at every step and
// for every node (the executor gives each node its own seed), and a batch
// split into row ranges run separately (data-parallel ranks, gradient
// shards), each with its offset, draws the same mask per example as one run
// over the whole batch. The kernel (ops/cpu/dropout_mask.h) evaluates 64
// Philox blocks (256 elements, in chunks that start at multiples of 256 of
// g) side by side, with AVX-512 where available (ops/cpu/philox_simd.h);
// the chunks are split over the pool. DropoutKeepMask() is the scalar
// definition the tests compare against. A negative example_offset is
// InvalidArgument.
//
// Aux: one float per element, m_i (0 or s), written by the training forward
// and read by the training VJP; inference ignores it. The VJP uses no forward
// tensor (kVjpUsesNothing).
//
// The shape function rejects (InvalidArgument naming Dropout, p and the
// input shape) p outside [0, 1), NaN included.
//
// Example:
//   DropoutAttrs attrs;
//   attrs.p = 0.5f;
//   // x [64,200] -> y [64,200]; in training about half of y is 0, the rest
//   // is 2 * x.
#ifndef DAGRAD_OPS_DROPOUT_H_
#define DAGRAD_OPS_DROPOUT_H_

#include <cstdint>

#include "ops/op.h"

namespace dagrad {

struct DropoutAttrs {
  static constexpr OpKind kKind = OpKind::kDropout;
  // p is the probability of dropping (zeroing) an element, in [0, 1).
  float p = 0.5f;
};

// DropoutScale() is s = 1 / (1 - p), the factor applied to kept elements.
inline float DropoutScale(float p) { return 1.0f / (1.0f - p); }

// DropoutKeepMask() is keep for the element of global index `index` (g
// above) of a tensor dropped with probability p by a node with `seed` at
// `step` (the scalar reference definition; the kernel computes the same
// bits 256 elements at a time).
bool DropoutKeepMask(uint64_t seed, uint64_t step, int64_t index, float p);

// DropoutFirstIndex() is the global index g of element 0 of an input of
// shape x whose row 0 is row `example_offset` (>= 0) of the global batch:
// example_offset * (elements per row), 0 for a 0-d or empty x.
uint64_t DropoutFirstIndex(const Shape& x, int64_t example_offset);

absl::StatusOr<Shape> DropoutShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs);
absl::Status DropoutForward(const ForwardContext& ctx);
void DropoutVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_DROPOUT_H_
