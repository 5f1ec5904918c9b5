#include "ops/transpose.h"

#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/cpu/permute.h"

namespace dagrad {
namespace {

using Perm = absl::InlinedVector<int, 6>;

// Resolved() is perm, or the reversed axes for an empty perm.
Perm Resolved(const TransposeAttrs& at, int rank) {
  if (!at.perm.empty()) return Perm(at.perm.begin(), at.perm.end());
  Perm p(rank);
  for (int d = 0; d < rank; ++d) p[d] = rank - 1 - d;
  return p;
}

}  // namespace

absl::StatusOr<Shape> TransposeShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  const Shape& x = inputs[0];
  const int rank = x.rank();
  const Perm perm = Resolved(AttrsAs<TransposeAttrs>(attrs), rank);
  std::vector<bool> seen(rank, false);
  bool ok = static_cast<int>(perm.size()) == rank;
  for (int p : perm) {
    ok = ok && p >= 0 && p < rank && !seen[p];
    if (ok) seen[p] = true;
  }
  if (!ok) {
    return ShapeError(OpKind::kTranspose, inputs,
                      absl::StrCat("perm [", absl::StrJoin(perm, ","),
                                   "] is not a permutation of the ", rank,
                                   " axes of x ", x.DebugString()));
  }
  std::vector<int64_t> dims(rank);
  for (int d = 0; d < rank; ++d) dims[d] = x.dim(perm[d]);
  return Shape(absl::Span<const int64_t>(dims));
}

// y[i_0, ..., i_{r-1}] = x[j] with j_{perm[d]} = i_d
absl::Status TransposeForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  Permute(ctx.pool, x.data(), x.shape().dims(),
          Resolved(AttrsAs<TransposeAttrs>(ctx.attrs), x.shape().rank()),
          ctx.output->data());
  return absl::OkStatus();
}

// dL/dx = dL/dy permuted by the inverse: dL/dx's axis perm[d] is dL/dy's d
void TransposeVjp(const VjpContext& ctx) {
  const Shape& ys = ctx.grad_output.shape();
  const Perm perm = Resolved(AttrsAs<TransposeAttrs>(ctx.attrs), ys.rank());
  Perm inverse(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) inverse[perm[d]] = d;
  Permute(ctx.pool, ctx.grad_output.data(), ys.dims(), inverse,
          ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kTranspose)
                       .Attrs<TransposeAttrs>()
                       .Shape(TransposeShape)
                       .Forward(TransposeForward)
                       .Vjp(TransposeVjp, kVjpUsesNothing));

}  // namespace dagrad
