// layers/pooling.h: MaxPool2D and MeanPool2D (average pooling) layers.
//
// Input [N, C, H, W], output [N, C, OH, OW]. The stride defaults to the
// window (non-overlapping pooling, as slugnet's MaxPooling/MeanPooling).
// Mean pooling divides by the full window area, padded cells included.
//
// Example:
//   model.Add(MaxPool2D(2));                  // 2x2, stride 2
//   PoolOptions overlap;
//   overlap.stride = 2;
//   model.Add(MaxPool2D(3, overlap));         // 3x3, stride 2
#ifndef DAGRAD_LAYERS_POOLING_H_
#define DAGRAD_LAYERS_POOLING_H_

#include <cstdint>
#include <string>

#include "layers/layer.h"
#include "ops/padding.h"

namespace dagrad {

struct PoolOptions {
  int64_t stride = 0;  // 0: the window size.
  Padding padding = Padding::kValid;
  int64_t pad = 0;  // Used with Padding::kExplicit, all four sides.
};

class MaxPool2D : public Layer {
 public:
  explicit MaxPool2D(int64_t window, PoolOptions options = {})
      : window_(window), options_(options) {}

  absl::string_view type() const override { return "MaxPool2D"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t window_;
  PoolOptions options_;
};

class MeanPool2D : public Layer {
 public:
  explicit MeanPool2D(int64_t window, PoolOptions options = {})
      : window_(window), options_(options) {}

  absl::string_view type() const override { return "MeanPool2D"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t window_;
  PoolOptions options_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_POOLING_H_
