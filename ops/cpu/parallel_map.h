// ops/cpu/parallel_map.h: elementwise loops split over a ThreadPool, used by
// the elementwise ops (Add, Mul, Scale, Relu, Sigmoid, Tanh), the copy ops
// (Identity, Reshape, Flatten) and the VJPs of BiasAdd, Dropout and the
// losses.
//
//  - kElementwiseMinBlock / kCopyMinBlock: the smallest block a parallel loop
//    hands to one thread. Below it, one thread is faster than waking another.
//  - ParallelCopy(): a memcpy split over the pool.
//  - ParallelMap(): out[i] = f(a[i]), f(a[i], b[i]) or f(a[i], b[i], c[i])
//    over the pool, in 16-float chunks that GCC vectorizes even at -O2
//    (whose "very cheap" cost model refuses plain loops of unknown length).
//    The one- and two-input forms also run in place (out == a, or out == b
//    with b != a; the planner's in-place ops, OpDef::in_place): then one
//    __restrict pointer is both read and written, so the loops stay
//    vectorized and free of aliasing assumptions that would not hold.
//
// Determinism: every helper computes each element by the same arithmetic
// wherever the block boundaries fall, so results are bitwise equal at any
// thread count.
//
// Example:
//   // y = exp(-x^2), vectorized and split over ctx.pool.
//   ParallelMap(ctx.pool, n, x, y,
//               [](float v) { return ExpNonPositive(-v * v); });
#ifndef DAGRAD_OPS_CPU_PARALLEL_MAP_H_
#define DAGRAD_OPS_CPU_PARALLEL_MAP_H_

#include <cstdint>
#include <cstring>

#include "core/thread_pool.h"

namespace dagrad {

// kElementwiseMinBlock is the minimum number of elements per thread for
// arithmetic elementwise loops (64 KiB of floats).
inline constexpr int64_t kElementwiseMinBlock = 16384;
// kCopyMinBlock is the minimum number of floats per thread for plain copies,
// which run at memory speed (256 KiB).
inline constexpr int64_t kCopyMinBlock = 65536;

// ParallelCopy() copies n floats from src to dst (which must not overlap
// unless they are the same buffer: a planned view's copy, then none), in
// blocks of at least kCopyMinBlock on `pool`.
void ParallelCopy(ThreadPool* pool, const float* src, int64_t n, float* dst);

// kMapLanes is ParallelMap()'s chunk: one AVX-512 vector, two AVX2 vectors.
inline constexpr int kMapLanes = 16;

namespace map_internal {

// MapChunks() applies f to `chunks` full chunks. It is never inlined, so the
// padded last chunk of ParallelMap() runs through the very same machine code
// as every other chunk (bitwise equal results wherever a chunk falls).
template <typename F>
__attribute__((noinline)) void MapChunks(const float* __restrict a,
                                         float* __restrict out, int64_t chunks,
                                         F f) {
  for (int64_t c = 0; c < chunks; ++c) {
    const float* ac = a + c * kMapLanes;
    float* oc = out + c * kMapLanes;
    for (int j = 0; j < kMapLanes; ++j) oc[j] = f(ac[j]);
  }
}

template <typename F>
__attribute__((noinline)) void MapChunks(const float* __restrict a,
                                         const float* __restrict b,
                                         float* __restrict out, int64_t chunks,
                                         F f) {
  for (int64_t c = 0; c < chunks; ++c) {
    const float* ac = a + c * kMapLanes;
    const float* bc = b + c * kMapLanes;
    float* oc = out + c * kMapLanes;
    for (int j = 0; j < kMapLanes; ++j) oc[j] = f(ac[j], bc[j]);
  }
}

template <typename F>
__attribute__((noinline)) void MapChunks(const float* __restrict a,
                                         const float* __restrict b,
                                         const float* __restrict c,
                                         float* __restrict out, int64_t chunks,
                                         F f) {
  for (int64_t k = 0; k < chunks; ++k) {
    const int64_t o = k * kMapLanes;
    for (int j = 0; j < kMapLanes; ++j) {
      out[o + j] = f(a[o + j], b[o + j], c[o + j]);
    }
  }
}

// MapChunksInPlace(): the one-input loop with out == a: io[j] = f(io[j]).
template <typename F>
__attribute__((noinline)) void MapChunksInPlace(float* __restrict io,
                                                int64_t chunks, F f) {
  for (int64_t c = 0; c < chunks; ++c) {
    float* oc = io + c * kMapLanes;
    for (int j = 0; j < kMapLanes; ++j) oc[j] = f(oc[j]);
  }
}

// MapChunksInPlace<kIoFirst>(): the two-input loop with out == a
// (kIoFirst: io[j] = f(io[j], other[j])) or out == b (io[j] =
// f(other[j], io[j])); `other` must not overlap `io`.
template <bool kIoFirst, typename F>
__attribute__((noinline)) void MapChunksInPlace(float* __restrict io,
                                                const float* __restrict other,
                                                int64_t chunks, F f) {
  for (int64_t c = 0; c < chunks; ++c) {
    float* oc = io + c * kMapLanes;
    const float* bc = other + c * kMapLanes;
    for (int j = 0; j < kMapLanes; ++j) {
      oc[j] = kIoFirst ? f(oc[j], bc[j]) : f(bc[j], oc[j]);
    }
  }
}

}  // namespace map_internal

// ParallelMap(pool, n, a, out, f) sets out[i] = f(a[i]) for i in [0, n).
// `out` must be `a` (in place) or not overlap it. f must be a pure function of
// its argument (a capture-less lambda or a function object); it is applied 16
// floats at a time, the last partial chunk through a zero-padded stack copy, so
// f also sees padding zeros whose results are discarded. Full chunks are split
// over `pool` in blocks of at least kElementwiseMinBlock floats.
template <typename F>
void ParallelMap(ThreadPool* pool, int64_t n, const float* a, float* out, F f) {
  const int64_t full = n / kMapLanes;
  pool->ParallelFor(
      full,
      [&](int64_t begin, int64_t end) {
        if (out == a) {
          map_internal::MapChunksInPlace(out + begin * kMapLanes, end - begin,
                                         f);
        } else {
          map_internal::MapChunks(a + begin * kMapLanes,
                                  out + begin * kMapLanes, end - begin, f);
        }
      },
      kElementwiseMinBlock / kMapLanes);
  const int64_t done = full * kMapLanes;
  const int64_t rest = n - done;
  if (rest > 0) {
    alignas(64) float a_pad[kMapLanes] = {};
    alignas(64) float out_pad[kMapLanes];
    std::memcpy(a_pad, a + done, static_cast<size_t>(rest) * sizeof(float));
    map_internal::MapChunks(a_pad, out_pad, 1, f);
    std::memcpy(out + done, out_pad, static_cast<size_t>(rest) * sizeof(float));
  }
}

// ParallelMap(pool, n, a, b, out, f) sets out[i] = f(a[i], b[i]); the same
// contract as above, for two inputs (e.g. a VJP's y and dy). `out` may be
// `a` or `b` (in place) when a != b; otherwise it must overlap neither.
template <typename F>
void ParallelMap(ThreadPool* pool, int64_t n, const float* a, const float* b,
                 float* out, F f) {
  const int64_t full = n / kMapLanes;
  pool->ParallelFor(
      full,
      [&](int64_t begin, int64_t end) {
        const int64_t o = begin * kMapLanes;
        if (out == a && a != b) {
          map_internal::MapChunksInPlace<true>(out + o, b + o, end - begin, f);
        } else if (out == b && a != b) {
          map_internal::MapChunksInPlace<false>(out + o, a + o, end - begin, f);
        } else {
          map_internal::MapChunks(a + o, b + o, out + o, end - begin, f);
        }
      },
      kElementwiseMinBlock / kMapLanes);
  const int64_t done = full * kMapLanes;
  const int64_t rest = n - done;
  if (rest > 0) {
    alignas(64) float a_pad[kMapLanes] = {};
    alignas(64) float b_pad[kMapLanes] = {};
    alignas(64) float out_pad[kMapLanes];
    std::memcpy(a_pad, a + done, static_cast<size_t>(rest) * sizeof(float));
    std::memcpy(b_pad, b + done, static_cast<size_t>(rest) * sizeof(float));
    map_internal::MapChunks(a_pad, b_pad, out_pad, 1, f);
    std::memcpy(out + done, out_pad, static_cast<size_t>(rest) * sizeof(float));
  }
}

// ParallelMap(pool, n, a, b, c, out, f) sets out[i] = f(a[i], b[i], c[i]);
// the same contract, for three inputs (e.g. a VJP's dy, a and b).
template <typename F>
void ParallelMap(ThreadPool* pool, int64_t n, const float* a, const float* b,
                 const float* c, float* out, F f) {
  const int64_t full = n / kMapLanes;
  pool->ParallelFor(
      full,
      [&](int64_t begin, int64_t end) {
        const int64_t o = begin * kMapLanes;
        map_internal::MapChunks(a + o, b + o, c + o, out + o, end - begin, f);
      },
      kElementwiseMinBlock / kMapLanes);
  const int64_t done = full * kMapLanes;
  const int64_t rest = n - done;
  if (rest > 0) {
    alignas(64) float pad[3][kMapLanes] = {};
    alignas(64) float out_pad[kMapLanes];
    const size_t bytes = static_cast<size_t>(rest) * sizeof(float);
    std::memcpy(pad[0], a + done, bytes);
    std::memcpy(pad[1], b + done, bytes);
    std::memcpy(pad[2], c + done, bytes);
    map_internal::MapChunks(pad[0], pad[1], pad[2], out_pad, 1, f);
    std::memcpy(out + done, out_pad, bytes);
  }
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_PARALLEL_MAP_H_
