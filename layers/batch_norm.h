// layers/batch_norm.h: batch normalization over features ([N, F]) or
// channels ([N, C, H, W]).
//
// Parameters: gamma (ones) and beta (zeros), trainable; running_mean (zeros)
// and running_var (ones), not trainable, updated by the op in training mode
// with `momentum` and used in evaluation. All four are saved in checkpoints.
#ifndef DAGRAD_LAYERS_BATCH_NORM_H_
#define DAGRAD_LAYERS_BATCH_NORM_H_

#include <string>

#include "layers/layer.h"

namespace dagrad {

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(float momentum = 0.1f, float epsilon = 1e-5f)
      : momentum_(momentum), epsilon_(epsilon) {}

  absl::string_view type() const override { return "BatchNorm"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  float momentum_;
  float epsilon_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_BATCH_NORM_H_
