#include "ops/elementwise_util.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

// ChunkSum() sums x[0..n) with 16 float lanes (vectorizable), lanes and tail
// added in double; the same arithmetic wherever the chunk is processed.
double ChunkSum(const float* __restrict x, int64_t n) {
  float lanes[16] = {};
  const int64_t full = n / 16 * 16;
  for (int64_t i = 0; i < full; i += 16) {
    for (int j = 0; j < 16; ++j) lanes[j] += x[i + j];
  }
  double total = 0;
  for (int j = 0; j < 16; ++j) total += lanes[j];
  for (int64_t i = full; i < n; ++i) total += x[i];
  return total;
}

constexpr int64_t kInnerBlock = 256;

}  // namespace

absl::StatusOr<Shape> ReductionShape(OpKind kind,
                                     absl::Span<const Shape> inputs, int axis,
                                     bool all_axes, bool keep_dims) {
  const Shape& x = inputs[0];
  const int rank = x.rank();
  // Shape inference runs at graph build time, not in a kernel: it may
  // allocate.
  std::vector<int64_t> dims;
  if (all_axes) {
    if (keep_dims) dims.assign(rank, 1);
    return Shape(absl::Span<const int64_t>(dims));
  }
  if (axis < -rank || axis >= rank) {
    return ShapeError(kind, inputs,
                      absl::StrCat("axis ", axis, " is out of range for x ",
                                   x.DebugString(), " of rank ", rank,
                                   " (valid: [", -rank, ", ", rank, "))"));
  }
  const int a = axis < 0 ? axis + rank : axis;
  for (int d = 0; d < rank; ++d) {
    if (d != a) {
      dims.push_back(x.dim(d));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  return Shape(absl::Span<const int64_t>(dims));
}

ReductionSplit SplitAroundAxis(const Shape& shape, int axis) {
  ReductionSplit s;
  for (int d = 0; d < shape.rank(); ++d) {
    if (d < axis) s.outer *= shape.dim(d);
    if (d == axis) s.mid = shape.dim(d);
    if (d > axis) s.inner *= shape.dim(d);
  }
  return s;
}

int64_t SumAllScratchFloats(int64_t n) {
  return 2 * ((n + kSumChunk - 1) / kSumChunk);
}

double SumAll(ThreadPool* pool, const float* x, int64_t n, float* scratch) {
  const int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
  pool->ParallelFor(
      chunks,
      [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
          const int64_t start = c * kSumChunk;
          const int64_t len = start + kSumChunk <= n ? kSumChunk : n - start;
          const double s = ChunkSum(x + start, len);
          std::memcpy(scratch + 2 * c, &s, sizeof(s));
        }
      },
      /*min_block=*/4);
  double total = 0;
  for (int64_t c = 0; c < chunks; ++c) {
    double s;
    std::memcpy(&s, scratch + 2 * c, sizeof(s));
    total += s;
  }
  return total;
}

void ReduceMiddle(ThreadPool* pool, const float* x, int64_t outer, int64_t mid,
                  int64_t inner, float scale, float* out) {
  const int64_t inner_blocks = (inner + kInnerBlock - 1) / kInnerBlock;
  const int64_t work_per_task = mid * (inner < kInnerBlock ? inner : kInnerBlock);
  const int64_t min_block = 1 + 16384 / (work_per_task > 0 ? work_per_task : 1);
  pool->ParallelFor(
      outer * inner_blocks,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          const int64_t o = t / inner_blocks;
          const int64_t i0 = (t % inner_blocks) * kInnerBlock;
          const int64_t len = i0 + kInnerBlock <= inner ? kInnerBlock : inner - i0;
          float* __restrict dst = out + o * inner + i0;
          for (int64_t i = 0; i < len; ++i) dst[i] = 0.0f;
          for (int64_t j = 0; j < mid; ++j) {
            AccumulateRow(dst, x + (o * mid + j) * inner + i0, len);
          }
          if (scale != 1.0f) {
            const int64_t full = len / 16 * 16;
            for (int64_t i = 0; i < full; i += 16) {
              for (int j = 0; j < 16; ++j) dst[i + j] *= scale;
            }
            for (int64_t i = full; i < len; ++i) dst[i] *= scale;
          }
        }
      },
      min_block);
}

void BroadcastMiddle(ThreadPool* pool, const float* x, int64_t outer,
                     int64_t mid, int64_t inner, float scale, float* out) {
  const int64_t min_block = 1 + 16384 / (inner > 0 ? inner : 1);
  pool->ParallelFor(
      outer * mid,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          const int64_t o = t / mid;
          if (inner == 1) {
            out[t] = scale * x[o];
          } else {
            ScaleRow(x + o * inner, scale, out + t * inner, inner);
          }
        }
      },
      min_block);
}

namespace {

int NormalizedAxis(const ReduceAttrs& at, int rank) {
  return at.axis < 0 ? at.axis + rank : at.axis;
}

}  // namespace

int64_t ReduceScratchFloats(const ReduceAttrs& at, const Shape& x, int wrt) {
  if (wrt != -1 || !at.all_axes()) return 0;
  return SumAllScratchFloats(x.num_elements());
}

absl::Status ReduceForward(const ForwardContext& ctx, const ReduceAttrs& at,
                           bool mean) {
  const Tensor& x = ctx.input(0);
  if (at.all_axes()) {
    const int64_t n = x.size();
    const double sum = n == 0 ? 0.0 : SumAll(ctx.pool, x.data(), n, ctx.scratch);
    ctx.output->data()[0] =
        static_cast<float>(mean && n > 0 ? sum / static_cast<double>(n) : sum);
    return absl::OkStatus();
  }
  const ReductionSplit s =
      SplitAroundAxis(x.shape(), NormalizedAxis(at, x.shape().rank()));
  ReduceMiddle(ctx.pool, x.data(), s.outer, s.mid, s.inner,
               mean ? 1.0f / static_cast<float>(s.mid) : 1.0f,
               ctx.output->data());
  return absl::OkStatus();
}

void ReduceVjp(const VjpContext& ctx, const ReduceAttrs& at, bool mean) {
  const Shape& xs = ctx.grad_input->shape();
  if (at.all_axes()) {
    const int64_t n = xs.num_elements();
    const float g =
        n == 0 ? 0.0f
               : (mean ? ctx.grad_output[0] / static_cast<float>(n)
                       : ctx.grad_output[0]);
    BroadcastMiddle(ctx.pool, &g, 1, n, 1, 1.0f, ctx.grad_input->data());
    return;
  }
  const ReductionSplit s = SplitAroundAxis(xs, NormalizedAxis(at, xs.rank()));
  BroadcastMiddle(ctx.pool, ctx.grad_output.data(), s.outer, s.mid, s.inner,
                  mean ? 1.0f / static_cast<float>(s.mid) : 1.0f,
                  ctx.grad_input->data());
}

}  // namespace dagrad
