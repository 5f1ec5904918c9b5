// ops/cpu/box_copy.h: copies of an axis-aligned box of a row-major tensor,
// the kernels of Slice (forward: gather the box; VJP: zero, then scatter),
// Concat (forward: scatter each input; VJP: gather each input's box) and
// Pad (forward: fill, then scatter; VJP: gather).
//
//  - CopyBox(): dense box <- the box of a larger tensor.
//  - ScatterBox(): the box of a larger tensor <- a dense box (the rest of
//    the larger tensor is left alone).
//  - FillConstant(): n floats set to one value over the pool.
//
// A box is given by `begin` and `size` per axis of the larger tensor (all
// spans of its rank). Work is split by whole rows of the box's last axis;
// each element is a plain copy: results are the same at any thread count.
//
// Example:
//   // y [2,3] = x[1:3, 2:5] of x [4,6].
//   const int64_t dims[] = {4, 6}, begin[] = {1, 2}, size[] = {2, 3};
//   CopyBox(pool, x, dims, begin, size, y);
#ifndef DAGRAD_OPS_CPU_BOX_COPY_H_
#define DAGRAD_OPS_CPU_BOX_COPY_H_

#include <cstdint>

#include "absl/types/span.h"
#include "core/thread_pool.h"

namespace dagrad {

// CopyBox() sets dst (dense, dims `size`) to the box `begin`, `size` of
// src (dims `src_dims`). The box must lie inside src.
void CopyBox(ThreadPool* pool, const float* src,
             absl::Span<const int64_t> src_dims,
             absl::Span<const int64_t> begin, absl::Span<const int64_t> size,
             float* dst);

// ScatterBox() writes src (dense, dims `size`) into the box `begin`, `size`
// of dst (dims `dst_dims`).
void ScatterBox(ThreadPool* pool, const float* src,
                absl::Span<const int64_t> dst_dims,
                absl::Span<const int64_t> begin, absl::Span<const int64_t> size,
                float* dst);

// FillConstant() sets dst[i] = value for i < n.
void FillConstant(ThreadPool* pool, int64_t n, float value, float* dst);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_BOX_COPY_H_
