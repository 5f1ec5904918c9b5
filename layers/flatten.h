// layers/flatten.h: Flatten, [N, d1, d2, ...] -> [N, d1*d2*...].
#ifndef DAGRAD_LAYERS_FLATTEN_H_
#define DAGRAD_LAYERS_FLATTEN_H_

#include <string>

#include "layers/layer.h"

namespace dagrad {

class Flatten : public Layer {
 public:
  absl::string_view type() const override { return "Flatten"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_FLATTEN_H_
