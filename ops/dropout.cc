#include "ops/dropout.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "ops/act_util.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace dagrad {
namespace {


// kChunkBlocks Philox blocks of 4 draws make one chunk of kChunk elements.
// Chunks start at multiples of kChunk, fixed by the element index only.
constexpr int kChunkBlocks = 64;
constexpr int64_t kChunk = 4 * kChunkBlocks;

// kMinChunksPerThread: Philox costs a few cycles per element even vectorized,
// so far fewer elements than an arithmetic map justify a second thread.
constexpr int64_t kMinChunksPerThread = 4096 / kChunk;

// SplitMix64() is core/random.cc's seed scrambler: Rng(seed, stream) keys
// Philox with SplitMix64(seed). DropoutKeepMask() (built on Rng) and the
// DropoutTest comparing it with the kernel keep the two in step.
uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// MaskParams: what ChunkDropout() needs besides the chunk index.
struct MaskParams {
  uint32_t key0, key1;        // Philox key, from the node's seed.
  uint32_t stream0, stream1;  // Counter words 2 and 3: the step.
  float keep;                 // 1 - p.
  float scale;                // 1 / (1 - p).
};

MaskParams MakeMaskParams(uint64_t seed, uint64_t step, float p) {
  const uint64_t key = SplitMix64(seed);
  return {static_cast<uint32_t>(key),
          static_cast<uint32_t>(key >> 32),
          static_cast<uint32_t>(step),
          static_cast<uint32_t>(step >> 32),
          1.0f - p,
          DropoutScale(p)};
}

// PhiloxRounds() runs the 10 rounds of Philox4x32-10 with key (k0, k1) on
// kChunkBlocks counters side by side, in place: block j's counter words are
// c0[j], c1[j], c2[j], c3[j] (structure of arrays). Integer arithmetic only,
// so every path below gives the same bits.
#if defined(__AVX512F__)
// AVX-512: 16 blocks per vector. _mm512_mul_epu32 multiplies the even 32-bit
// lanes into 64-bit products; the odd lanes are shifted down and multiplied
// the same way, and the high and low halves are blended back into lanes.
inline void MulHiLo16(__m512i a, __m512i m, __m512i* hi, __m512i* lo) {
  const __m512i even = _mm512_mul_epu32(a, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  constexpr __mmask16 kOddLanes = 0xAAAA;
  *hi = _mm512_mask_blend_epi32(kOddLanes, _mm512_srli_epi64(even, 32), odd);
  *lo = _mm512_mask_blend_epi32(kOddLanes, even, _mm512_slli_epi64(odd, 32));
}

void PhiloxRounds(uint32_t k0, uint32_t k1, uint32_t* c0, uint32_t* c1,
                  uint32_t* c2, uint32_t* c3) {
  static_assert(kChunkBlocks % 16 == 0);
  constexpr int kVectors = kChunkBlocks / 16;
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(kPhiloxM1));
  __m512i v0[kVectors], v1[kVectors], v2[kVectors], v3[kVectors];
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    v0[v] = _mm512_loadu_si512(c0 + 16 * v);
    v1[v] = _mm512_loadu_si512(c1 + 16 * v);
    v2[v] = _mm512_loadu_si512(c2 + 16 * v);
    v3[v] = _mm512_loadu_si512(c3 + 16 * v);
  }
  for (int round = 0; round < 10; ++round) {
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0));
    const __m512i key1 = _mm512_set1_epi32(static_cast<int>(k1));
#pragma GCC unroll 4  // Keeps v0..v3 in registers.
    for (int v = 0; v < kVectors; ++v) {
      __m512i hi0, lo0, hi1, lo1;
      MulHiLo16(v0[v], m0, &hi0, &lo0);
      MulHiLo16(v2[v], m1, &hi1, &lo1);
      // 0x96: a ^ b ^ c.
      v0[v] = _mm512_ternarylogic_epi32(hi1, v1[v], key0, 0x96);
      v2[v] = _mm512_ternarylogic_epi32(hi0, v3[v], key1, 0x96);
      v1[v] = lo1;
      v3[v] = lo0;
    }
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
#pragma GCC unroll 4
  for (int v = 0; v < kVectors; ++v) {
    _mm512_storeu_si512(c0 + 16 * v, v0[v]);
    _mm512_storeu_si512(c1 + 16 * v, v1[v]);
    _mm512_storeu_si512(c2 + 16 * v, v2[v]);
    _mm512_storeu_si512(c3 + 16 * v, v3[v]);
  }
}
#else
// Portable: the round of core/random.cc, which GCC vectorizes (less well:
// it widens to 64-bit multiplies).
void PhiloxRounds(uint32_t k0, uint32_t k1, uint32_t* c0, uint32_t* c1,
                  uint32_t* c2, uint32_t* c3) {
  for (int round = 0; round < 10; ++round) {
    for (int j = 0; j < kChunkBlocks; ++j) {
      const uint64_t p0 = uint64_t{kPhiloxM0} * c0[j];
      const uint64_t p1 = uint64_t{kPhiloxM1} * c2[j];
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[j] ^ k0;
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[j] ^ k1;
      c1[j] = static_cast<uint32_t>(p1);
      c3[j] = static_cast<uint32_t>(p0);
      c0[j] = n0;
      c2[j] = n2;
    }
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
}
#endif  // __AVX512F__

// ChunkDropout() writes m[e] (0 or scale) and y[e] = x[e] * m[e] for the
// kChunk elements of chunk `chunk`: element chunk * kChunk + e uses draw
// e % 4 of Philox block chunk * kChunkBlocks + e / 4, exactly as Rng::Seek()
// + Rng::Uniform(). Never inlined, so every chunk (the padded last one too)
// runs the same machine code.
__attribute__((noinline)) void ChunkDropout(uint64_t chunk,
                                            const MaskParams& mp,
                                            const float* __restrict x,
                                            float* __restrict m,
                                            float* __restrict y) {
  alignas(64) uint32_t c0[kChunkBlocks];
  alignas(64) uint32_t c1[kChunkBlocks];
  alignas(64) uint32_t c2[kChunkBlocks];
  alignas(64) uint32_t c3[kChunkBlocks];
  const uint64_t first_block = chunk * kChunkBlocks;
  for (int j = 0; j < kChunkBlocks; ++j) {
    const uint64_t block = first_block + static_cast<uint64_t>(j);
    c0[j] = static_cast<uint32_t>(block);
    c1[j] = static_cast<uint32_t>(block >> 32);
    c2[j] = mp.stream0;
    c3[j] = mp.stream1;
  }
  PhiloxRounds(mp.key0, mp.key1, c0, c1, c2, c3);
  // Rng::Uniform(): the top 24 bits times 2^-24 (exact), compared with keep.
  constexpr float kInv24 = 1.0f / 16777216.0f;
  const float keep = mp.keep;
  const float scale = mp.scale;
  auto mask = [&](uint32_t u) {
    return static_cast<float>(u >> 8) * kInv24 < keep ? scale : 0.0f;
  };
  for (int j = 0; j < kChunkBlocks; ++j) {
    m[4 * j + 0] = mask(c0[j]);
    m[4 * j + 1] = mask(c1[j]);
    m[4 * j + 2] = mask(c2[j]);
    m[4 * j + 3] = mask(c3[j]);
  }
  for (int e = 0; e < kChunk; ++e) y[e] = x[e] * m[e];
}

// Aux: m_i for every element.
int64_t DropoutAuxFloats(const ShapeQuery& query) {
  return query.inputs[0].num_elements();
}

// IsIdentity(): inference, or nothing to drop. The forward and the VJP
// decide it the same way.
bool IsIdentity(bool training, float p) { return !training || p == 0.0f; }

}  // namespace

bool DropoutKeepMask(uint64_t seed, uint64_t step, int64_t index, float p) {
  Rng rng(seed, /*stream=*/step);
  rng.Seek(static_cast<uint64_t>(index));
  return rng.Uniform() < 1.0f - p;
}

absl::StatusOr<Shape> DropoutShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs) {
  if (inputs.size() != 1) {
    return ShapeError(OpKind::kDropout, inputs,
                      absl::StrCat("takes 1 input, got ", inputs.size()));
  }
  const float p = AttrsAs<DropoutAttrs>(attrs).p;
  if (!(p >= 0.0f && p < 1.0f)) {  // Also rejects NaN.
    return ShapeError(OpKind::kDropout, inputs,
                      absl::StrCat("p = ", p, " must be in [0, 1)"));
  }
  return inputs[0];
}

// Training: m_i = [u_i < 1 - p] / (1 - p) (saved in aux), y_i = x_i * m_i.
// Inference or p == 0: y = x.
absl::Status DropoutForward(const ForwardContext& ctx) {
  const float p = AttrsAs<DropoutAttrs>(ctx.attrs).p;
  const Tensor& x = ctx.input(0);
  const int64_t n = x.size();
  if (IsIdentity(ctx.training, p)) {
    ParallelCopy(ctx.pool, x.data(), n, ctx.output->data());
    return absl::OkStatus();
  }
  const MaskParams mp = MakeMaskParams(ctx.seed, ctx.step, p);
  const float* xd = x.data();
  float* y = ctx.output->data();
  float* m = ctx.aux;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  ctx.pool->ParallelFor(
      chunks,
      [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
          const int64_t lo = c * kChunk;
          const int64_t count = n - lo < kChunk ? n - lo : kChunk;
          const float* xc = xd + lo;
          float* mc = m + lo;
          float* yc = y + lo;
          if (count == kChunk) {
            ChunkDropout(static_cast<uint64_t>(c), mp, xc, mc, yc);
          } else {  // The last, partial chunk, through zero-padded copies.
            const size_t bytes = static_cast<size_t>(count) * sizeof(float);
            alignas(64) float x_pad[kChunk] = {};
            alignas(64) float m_pad[kChunk];
            alignas(64) float y_pad[kChunk];
            std::memcpy(x_pad, xc, bytes);
            ChunkDropout(static_cast<uint64_t>(c), mp, x_pad, m_pad, y_pad);
            std::memcpy(mc, m_pad, bytes);
            std::memcpy(yc, y_pad, bytes);
          }
        }
      },
      kMinChunksPerThread);
  return absl::OkStatus();
}

// Training: dL/dx_i = dL/dy_i * m_i   (m from aux: 0 or 1 / (1 - p)).
// Inference or p == 0: dL/dx = dL/dy.
void DropoutVjp(const VjpContext& ctx) {
  const float p = AttrsAs<DropoutAttrs>(ctx.attrs).p;
  const int64_t n = ctx.grad_input->size();
  if (IsIdentity(ctx.training, p)) {
    ParallelCopy(ctx.pool, ctx.grad_output.data(), n, ctx.grad_input->data());
    return;
  }
  ParallelMap(ctx.pool, n, ctx.grad_output.data(), ctx.aux,
              ctx.grad_input->data(), [](float dy, float m) { return dy * m; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kDropout)
                       .Attrs<DropoutAttrs>()
                       .Shape(DropoutShape)
                       .Forward(DropoutForward)
                       .Vjp(DropoutVjp, kVjpUsesNothing)
                       .Aux(DropoutAuxFloats));

}  // namespace dagrad
