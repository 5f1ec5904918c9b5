#include "layers/reshape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "ops/reshape.h"

namespace dagrad {

absl::StatusOr<NodeId> Reshape::Build(GraphBuilder* graph,
                                      const std::string& scope,
                                      NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  const std::string target =
      absl::StrFormat("target [%s]", absl::StrJoin(target_, ","));
  if (in.rank() < 1) {
    return LayerError(scope, type(), in, "input must have a batch axis");
  }
  int64_t count = 1;  // Per-example elements of the input.
  for (int d = 1; d < in.rank(); ++d) count *= in.dim(d);
  int inferred = -1;
  int64_t known = 1;  // Product of the target's entries other than -1.
  for (int d = 0; d < static_cast<int>(target_.size()); ++d) {
    if (target_[d] == -1 && inferred < 0) {
      inferred = d;
    } else if (target_[d] < 1) {
      return LayerError(scope, type(), in,
                        absl::StrCat(target,
                                     ": each entry must be >= 1, or "
                                     "-1 once"));
    } else {
      known *= target_[d];
    }
  }
  std::vector<int64_t> dims = {-1};  // The batch axis.
  dims.insert(dims.end(), target_.begin(), target_.end());
  if (inferred >= 0) {
    if (count % known != 0) {
      return LayerError(
          scope, type(), in,
          absl::StrFormat("%s: %d elements per example are not a multiple "
                          "of %d",
                          target, count, known));
    }
    dims[inferred + 1] = count / known;
  } else if (known != count) {
    return LayerError(
        scope, type(), in,
        absl::StrFormat("%s has %d elements per example, the input %d", target,
                        known, count));
  }
  ReshapeAttrs attrs;
  attrs.shape = dims;
  NodeOptions node;
  node.scope = scope;
  return graph->AddOp(attrs, {input}, node);
}

}  // namespace dagrad
