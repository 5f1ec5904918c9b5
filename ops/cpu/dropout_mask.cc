#include "ops/cpu/dropout_mask.h"

#include <array>
#include <cstring>

#include "core/random.h"
#include "ops/cpu/philox_simd.h"

namespace dagrad {
namespace {

// kPhiloxBatch Philox blocks of 4 draws make one chunk of kChunk elements.
// Chunks start at multiples of kChunk of the global index (first_index + i),
// fixed by that index only.
constexpr int64_t kChunk = 4 * kPhiloxBatch;

// kMinChunksPerThread: Philox costs a few cycles per element even vectorized,
// so far fewer elements than an arithmetic map justify a second thread.
constexpr int64_t kMinChunksPerThread = 4096 / kChunk;

// MaskParams: what ChunkDropout() needs besides the chunk index.
struct MaskParams {
  std::array<uint32_t, 2> key;  // Philox key, from the node's seed.
  uint32_t stream0, stream1;    // Counter words 2 and 3: the step.
  float keep;                   // 1 - p.
  float scale;                  // 1 / (1 - p).
};

// ChunkDropout() writes m[e] (0 or scale) and y[e] = x[e] * m[e] for the
// kChunk elements of chunk `chunk`: element chunk * kChunk + e uses draw
// e % 4 of Philox block chunk * kPhiloxBatch + e / 4, exactly as Rng::Seek()
// + Rng::Uniform(). Never inlined, so every chunk (the padded first and last
// ones too) runs the same machine code.
__attribute__((noinline)) void ChunkDropout(uint64_t chunk,
                                            const MaskParams& mp,
                                            const float* __restrict x,
                                            float* __restrict m,
                                            float* __restrict y) {
  alignas(64) uint32_t c0[kPhiloxBatch];
  alignas(64) uint32_t c1[kPhiloxBatch];
  alignas(64) uint32_t c2[kPhiloxBatch];
  alignas(64) uint32_t c3[kPhiloxBatch];
  const uint64_t first_block = chunk * kPhiloxBatch;
  for (int j = 0; j < kPhiloxBatch; ++j) {
    const uint64_t block = first_block + static_cast<uint64_t>(j);
    c0[j] = static_cast<uint32_t>(block);
    c1[j] = static_cast<uint32_t>(block >> 32);
    c2[j] = mp.stream0;
    c3[j] = mp.stream1;
  }
  PhiloxBatch(mp.key, c0, c1, c2, c3);
  // Rng::Uniform(): the top 24 bits times 2^-24 (exact), compared with keep.
  constexpr float kInv24 = 1.0f / 16777216.0f;
  const float keep = mp.keep;
  const float scale = mp.scale;
  auto mask = [&](uint32_t u) {
    return static_cast<float>(u >> 8) * kInv24 < keep ? scale : 0.0f;
  };
  for (int j = 0; j < kPhiloxBatch; ++j) {
    m[4 * j + 0] = mask(c0[j]);
    m[4 * j + 1] = mask(c1[j]);
    m[4 * j + 2] = mask(c2[j]);
    m[4 * j + 3] = mask(c3[j]);
  }
  for (int e = 0; e < kChunk; ++e) y[e] = x[e] * m[e];
}

}  // namespace

void DropoutMaskAndApply(ThreadPool* pool, uint64_t seed, uint64_t step,
                         uint64_t first_index, float keep, float scale,
                         const float* x, int64_t n, float* m, float* y) {
  if (n <= 0) return;
  const MaskParams mp{PhiloxKey(seed), static_cast<uint32_t>(step),
                      static_cast<uint32_t>(step >> 32), keep, scale};
  // Global chunks first_chunk .. last_chunk cover the global indices
  // [first_index, first_index + n); the first and the last may be partial.
  const uint64_t k = static_cast<uint64_t>(kChunk);
  const uint64_t end_index = first_index + static_cast<uint64_t>(n);
  const uint64_t first_chunk = first_index / k;
  const uint64_t last_chunk = (end_index - 1) / k;
  pool->ParallelFor(
      static_cast<int64_t>(last_chunk - first_chunk + 1),
      [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
          const uint64_t chunk = first_chunk + static_cast<uint64_t>(c);
          const uint64_t chunk_lo = chunk * k;
          // The chunk's global indices [lo, hi) that belong to this call.
          const uint64_t lo = chunk_lo > first_index ? chunk_lo : first_index;
          const uint64_t hi =
              chunk_lo + k < end_index ? chunk_lo + k : end_index;
          const int64_t local = static_cast<int64_t>(lo - first_index);
          const float* xc = x + local;
          float* mc = m + local;
          float* yc = y + local;
          if (hi - lo == k) {
            ChunkDropout(chunk, mp, xc, mc, yc);
          } else {  // A partial first or last chunk, through padded copies.
            const int64_t head = static_cast<int64_t>(lo - chunk_lo);
            const size_t bytes = static_cast<size_t>(hi - lo) * sizeof(float);
            alignas(64) float x_pad[kChunk] = {};
            alignas(64) float m_pad[kChunk];
            alignas(64) float y_pad[kChunk];
            std::memcpy(x_pad + head, xc, bytes);
            ChunkDropout(chunk, mp, x_pad, m_pad, y_pad);
            std::memcpy(mc, m_pad + head, bytes);
            std::memcpy(yc, y_pad + head, bytes);
          }
        }
      },
      kMinChunksPerThread);
}

}  // namespace dagrad
