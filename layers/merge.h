// layers/merge.h: layers that merge several tensors into one: Concatenate,
// Add and Multiply (Keras's merge layers).
//
// They take two or more inputs (Layer::BuildMulti()) and have no
// parameters. Concatenate joins its inputs along `axis` (ops/concat.h; a
// negative axis counts from the end, 1 is the channel or feature axis of
// [N, C, H, W] and [N, F]). Add and Multiply sum or multiply their inputs
// elementwise with NumPy broadcasting (ops/add.h, ops/mul.h), left to right:
// ((x0 + x1) + x2). A merge of inputs that do not fit is InvalidArgument
// naming the layer and every input shape.
//
// Example (functional API, models/model.h):
//   SymbolicTensor x = Input(Shape({16}));
//   SymbolicTensor a = Apply(Dense(8), x);
//   SymbolicTensor b = Apply(Dense(8), x);
//   SymbolicTensor sum = Apply(Add(), {a, b});           // [?, 8]
//   SymbolicTensor both = Apply(Concatenate(1), {a, b});  // [?, 16]
#ifndef DAGRAD_LAYERS_MERGE_H_
#define DAGRAD_LAYERS_MERGE_H_

#include <string>

#include "layers/layer.h"

namespace dagrad {

// MergeLayer is the common part: Build() of one input is an error (a merge
// needs two), and BuildMulti() checks the count, then calls Merge().
class MergeLayer : public Layer {
 public:
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;
  absl::StatusOr<NodeId> BuildMulti(
      GraphBuilder* graph, const std::string& scope,
      absl::Span<const NodeId> inputs) const override;

 protected:
  // Merge() adds the nodes for `inputs` (at least two).
  virtual absl::StatusOr<NodeId> Merge(
      GraphBuilder* graph, const std::string& scope,
      absl::Span<const NodeId> inputs) const = 0;
};

class Concatenate : public MergeLayer {
 public:
  explicit Concatenate(int axis = -1) : axis_(axis) {}
  absl::string_view type() const override { return "Concatenate"; }

 protected:
  absl::StatusOr<NodeId> Merge(GraphBuilder* graph, const std::string& scope,
                               absl::Span<const NodeId> inputs) const override;

 private:
  int axis_;
};

class Add : public MergeLayer {
 public:
  absl::string_view type() const override { return "Add"; }

 protected:
  absl::StatusOr<NodeId> Merge(GraphBuilder* graph, const std::string& scope,
                               absl::Span<const NodeId> inputs) const override;
};

class Multiply : public MergeLayer {
 public:
  absl::string_view type() const override { return "Multiply"; }

 protected:
  absl::StatusOr<NodeId> Merge(GraphBuilder* graph, const std::string& scope,
                               absl::Span<const NodeId> inputs) const override;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_MERGE_H_
