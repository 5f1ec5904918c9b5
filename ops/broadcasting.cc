#include "ops/broadcasting.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

// Broadcast() is the output size of one axis, or -2 if the sizes conflict.
int64_t Broadcast(int64_t a, int64_t b) {
  if (a == b || b == 1) return a;
  if (a == 1) return b;
  if (a == kUnknown) return b;
  if (b == kUnknown) return a;
  return -2;
}

// InputIsBroadcast() is true when input `wrt` has fewer elements than the
// output (only then does its gradient need a sum).
bool InputIsBroadcast(const ShapeQuery& q, int wrt) {
  return wrt >= 0 && q.inputs[wrt].num_elements() != q.output.num_elements();
}

}  // namespace

absl::StatusOr<Shape> BroadcastShape(OpKind kind,
                                     absl::Span<const Shape> inputs) {
  const Shape& a = inputs[0];
  const Shape& b = inputs[1];
  if (a == b) return a;
  const int rank = a.rank() > b.rank() ? a.rank() : b.rank();
  // Shape inference runs at graph build time: it may allocate.
  std::vector<int64_t> dims(rank);
  for (int d = 0; d < rank; ++d) {
    const int ia = d - (rank - a.rank()), ib = d - (rank - b.rank());
    const int64_t ad = ia < 0 ? 1 : a.dim(ia);
    const int64_t bd = ib < 0 ? 1 : b.dim(ib);
    dims[d] = Broadcast(ad, bd);
    if (dims[d] == -2) {
      return ShapeError(
          kind, inputs,
          absl::StrCat("a ", a.DebugString(), " and b ", b.DebugString(),
                       " do not broadcast (axis ", d - rank, ": ", ad, " vs ",
                       bd, ")"));
    }
  }
  return Shape(absl::Span<const int64_t>(dims));
}

int64_t BroadcastSumScratch(const ShapeQuery& q, int wrt) {
  if (!InputIsBroadcast(q, wrt)) return 0;
  return SumToShapeScratchFloats(q.output.num_elements());
}

int64_t BroadcastTermScratch(const ShapeQuery& q, int wrt) {
  if (!InputIsBroadcast(q, wrt)) return 0;
  const int64_t n = q.output.num_elements();
  return n + SumToShapeScratchFloats(n);
}

void BroadcastLinearVjp(const VjpContext& ctx, float sign) {
  const Tensor& dy = ctx.grad_output;
  float* dx = ctx.grad_input->data();
  if (ctx.grad_input->size() == dy.size()) {
    if (sign == 1.0f) {
      ParallelCopy(ctx.pool, dy.data(), dy.size(), dx);
    } else {
      ParallelMap(ctx.pool, dy.size(), dy.data(), dx,
                  [](float v) { return -v; });
    }
    return;
  }
  SumToShape(ctx.pool, dy.data(), dy.shape(), ctx.grad_input->shape(), sign,
             ctx.scratch, dx);
}

}  // namespace dagrad
