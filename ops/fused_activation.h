// ops/fused_activation.h: FusedActivation, an op's output (plus an optional
// channel bias) through an elementwise activation, in one node.
//
//   y = act(producer(x...) [+ bias])       act in {Relu, Tanh, Sigmoid}
//
// The graph pass graph/passes/activation_fusion.h makes these nodes from
// Conv2D -> Relu, MatMul -> BiasAdd -> Relu, MaxPool2D -> Relu, ... chains;
// DOT and profiles label them by the chain, e.g. "MatMul+BiasAdd+Relu".
// Inputs: the producer's inputs, then bias [C] when `bias` is set. Output:
// the producer's output shape.
//
// Numerics: the forward runs the registered kernels of the producer, of
// BiasAdd and of the activation one after the other on the stored results
// (an epilogue over the producer's output, alternating between the output
// and a scratch copy so that no kernel runs in place), and the VJP runs
//   dz = act'(dL/dy, y)     (the activation's VJP, e.g. dL/dy * [y > 0])
// into scratch, then the producer's VJP (or BiasAdd's dBias) on dz. The
// results are therefore bitwise those of the unfused nodes. The forward
// leaves the pre-activation in scratch (OpDef::intermediate_floats), so
// check_numerics still names a fused node whose producer overflowed. The
// producer's VJP must not read its own output (it no longer exists):
// Conv2D, MatMul and MaxPool2D qualify (CanFuseActivation()).
//
// Example:
//   FusedActivationAttrs a = *MakeFusedActivation(
//       OpKind::kMatMul, MatMulAttrs{}, /*bias=*/true, OpKind::kRelu);
//   // x [64,400], w [400,120], b [120] -> y [64,120]
#ifndef DAGRAD_OPS_FUSED_ACTIVATION_H_
#define DAGRAD_OPS_FUSED_ACTIVATION_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "ops/op.h"

namespace dagrad {

struct FusedActivationAttrs {
  static constexpr OpKind kKind = OpKind::kFusedActivation;
  OpKind producer = OpKind::kMatMul;
  OpAttrs producer_attrs;  // The producer's attrs struct.
  bool bias = false;  // A BiasAdd after the producer; bias is the last input.
  OpKind activation = OpKind::kRelu;

  friend bool operator==(const FusedActivationAttrs& a,
                         const FusedActivationAttrs& b);
  template <typename H>
  friend H AbslHashValue(H h, const FusedActivationAttrs& a) {
    return H::combine(std::move(h), static_cast<int>(a.producer), a.bias,
                      static_cast<int>(a.activation), a.ProducerHash());
  }
  // ProducerHash() is OpAttrsHash() of the producer's attrs.
  size_t ProducerHash() const;
};

// CanFuseActivation() is true when `producer` (with a BiasAdd if `bias`)
// followed by `activation` can become one FusedActivation node: producer is
// Conv2D, MatMul or MaxPool2D (no MaxPool2D with bias) and activation is
// Relu, Tanh or Sigmoid, all registered.
bool CanFuseActivation(OpKind producer, bool bias, OpKind activation);

// MakeFusedActivation() builds the attrs; InvalidArgument unless
// CanFuseActivation().
absl::StatusOr<FusedActivationAttrs> MakeFusedActivation(OpKind producer,
                                                         OpAttrs producer_attrs,
                                                         bool bias,
                                                         OpKind activation);

// FusedActivationLabel() is "Producer[+BiasAdd]+Activation".
std::string FusedActivationLabel(const OpAttrs& attrs);

absl::StatusOr<Shape> FusedActivationShape(absl::Span<const Shape> inputs,
                                           const OpAttrs& attrs);
absl::Status FusedActivationForward(const ForwardContext& ctx);
void FusedActivationVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_FUSED_ACTIVATION_H_
