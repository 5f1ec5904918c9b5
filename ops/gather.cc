#include "ops/gather.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/cpu/gather_rows.h"

namespace dagrad {
namespace {

// RowFloats() is the size of one table row (its trailing dims).
int64_t RowFloats(const Shape& table) {
  int64_t d = 1;
  for (int i = 1; i < table.rank(); ++i) d *= table.dim(i);
  return d;
}

}  // namespace

absl::StatusOr<Shape> GatherShape(absl::Span<const Shape> inputs,
                                  const OpAttrs&) {
  const Shape& table = inputs[kGatherTable];
  if (table.rank() < 1 || table.dim(0) == Shape::kUnknownDim) {
    return ShapeError(OpKind::kGather, inputs,
                      absl::StrCat("table ", table.DebugString(),
                                   " must have rank >= 1 and a known row "
                                   "count"));
  }
  const Shape& index = inputs[kGatherIndex];
  std::vector<int64_t> dims(index.dims().begin(), index.dims().end());
  for (int i = 1; i < table.rank(); ++i) dims.push_back(table.dim(i));
  return Shape(absl::Span<const int64_t>(dims));
}

// y[p, :] = table[index[p], :]
absl::Status GatherForward(const ForwardContext& ctx) {
  const Tensor& table = ctx.input(kGatherTable);
  const Tensor& index = ctx.input(kGatherIndex);
  const int64_t rows = table.shape().dim(0);
  const float limit = static_cast<float>(rows);
  for (int64_t p = 0; p < index.size(); ++p) {
    const float v = index[p];
    // NaN fails every comparison, so it is caught too.
    if (!(v >= 0.0f && v < limit && v == std::floor(v))) {
      return absl::InvalidArgumentError(
          absl::StrCat("Gather: index ", v, " at position ", p,
                       " is not a whole number in [0, ", rows, ") (table ",
                       table.shape().DebugString(), ")"));
    }
  }
  GatherRows(ctx.pool, table.data(), RowFloats(table.shape()), index.data(),
             index.size(), ctx.output->data());
  return absl::OkStatus();
}

// dL/dtable[v, :] = sum_{p : index[p] == v} dL/dy[p, :]   (in p order)
void GatherVjp(const VjpContext& ctx) {
  const Tensor& index = ctx.input(kGatherIndex);
  const Shape& table = ctx.grad_input->shape();
  ScatterAddRows(ctx.pool, ctx.grad_output.data(), RowFloats(table),
                 index.data(), index.size(), table.dim(0),
                 ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kGather)
                       .Attrs<GatherAttrs>()
                       .Shape(GatherShape)
                       .Forward(GatherForward)
                       .Vjp(GatherVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(kGatherIndex));

}  // namespace dagrad
