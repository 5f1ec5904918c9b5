#include "tests/graph/numeric_gradient.h"

#include "absl/strings/str_cat.h"

namespace dagrad {

absl::StatusOr<std::vector<double>> NumericGradient(Executor* exec,
                                                    NodeId loss,
                                                    ParameterStore* store,
                                                    const std::string& name,
                                                    double epsilon) {
  Tensor* p = store->Find(name);
  if (p == nullptr) return absl::NotFoundError(absl::StrCat("no ", name));
  std::vector<double> grad(p->size());
  for (int64_t i = 0; i < p->size(); ++i) {
    const float saved = (*p)[i];
    double l[2];
    for (int side = 0; side < 2; ++side) {
      (*p)[i] = static_cast<float>(saved + (side == 0 ? epsilon : -epsilon));
      RETURN_IF_ERROR(exec->Run());
      ASSIGN_OR_RETURN(const Tensor* v, exec->Fetch(loss));
      l[side] = (*v)[0];
    }
    (*p)[i] = saved;
    // Use the actually-representable perturbation.
    const double h = static_cast<double>(static_cast<float>(saved + epsilon)) -
                     static_cast<double>(static_cast<float>(saved - epsilon));
    grad[i] = (l[0] - l[1]) / h;
  }
  return grad;
}

}  // namespace dagrad
