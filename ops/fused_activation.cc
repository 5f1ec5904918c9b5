#include "ops/fused_activation.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

const FusedActivationAttrs& Typed(const OpAttrs& attrs) {
  return AttrsAs<FusedActivationAttrs>(attrs);
}

// ProducerInputs() is how many inputs the producer takes (the rest: bias).
int ProducerInputs(const FusedActivationAttrs& a, size_t inputs) {
  return static_cast<int>(inputs) - (a.bias ? 1 : 0);
}

// ProducerQuery() is `query` as the producer sees it: its own inputs and
// attrs, the same output shape.
ShapeQuery ProducerQuery(const ShapeQuery& query) {
  const FusedActivationAttrs& a = Typed(query.attrs);
  return ShapeQuery{
      query.inputs.subspan(0, ProducerInputs(a, query.inputs.size())),
      query.output, a.producer_attrs, query.num_threads};
}

// TempFloats() is the scratch copy of one output, 64-byte aligned.
int64_t TempFloats(const Shape& output) {
  return RoundUpToAlignment(output.num_elements() * 4) / 4;
}

int64_t FusedActivationAux(const ShapeQuery& query) {
  if (!query.output.is_fully_defined()) return 0;
  const OpDef* producer = FindOp(Typed(query.attrs).producer);
  return OpAuxFloats(*producer, ProducerQuery(query));
}

// Forward: the temp copy plus the producer's scratch. VJP: dz plus the
// producer's scratch for its inputs (none for dBias).
int64_t FusedActivationScratch(const ShapeQuery& query, int wrt) {
  if (!query.output.is_fully_defined()) return 0;
  const FusedActivationAttrs& a = Typed(query.attrs);
  const OpDef* producer = FindOp(a.producer);
  const int n = ProducerInputs(a, query.inputs.size());
  const int64_t inner =
      wrt < n ? OpScratchFloats(*producer, ProducerQuery(query), wrt) : 0;
  return TempFloats(query.output) + inner;
}

// The forward leaves the pre-activation (producer [+ bias]) in the temp
// copy at the start of scratch.
int64_t FusedActivationIntermediate(const ShapeQuery& query) {
  return query.output.is_fully_defined() ? query.output.num_elements() : 0;
}

uint32_t FusedActivationVjpUses(const OpAttrs& attrs) {
  const OpDef* producer = FindOp(Typed(attrs).producer);
  return kVjpUsesOutput | (producer->vjp_uses & kVjpUsesInputs);
}

// HoldsAttrsOf() is true when `attrs` holds the attrs type of op `def`.
bool HoldsAttrsOf(const OpDef* def, const OpAttrs& attrs) {
  return def != nullptr && attrs.has_value() &&
         attrs.type() == def->default_attrs.type();
}

}  // namespace

bool operator==(const FusedActivationAttrs& a, const FusedActivationAttrs& b) {
  if (a.producer != b.producer || a.bias != b.bias ||
      a.activation != b.activation) {
    return false;
  }
  const OpDef* producer = FindOp(a.producer);
  if (!HoldsAttrsOf(producer, a.producer_attrs) ||
      !HoldsAttrsOf(producer, b.producer_attrs)) {
    // Default-constructed attrs (no producer attrs yet) equal each other.
    return !a.producer_attrs.has_value() && !b.producer_attrs.has_value();
  }
  return OpAttrsEqual(*producer, a.producer_attrs, b.producer_attrs);
}

size_t FusedActivationAttrs::ProducerHash() const {
  const OpDef* def = FindOp(producer);
  return HoldsAttrsOf(def, producer_attrs) ? OpAttrsHash(*def, producer_attrs)
                                           : 0;
}

bool CanFuseActivation(OpKind producer, bool bias, OpKind activation) {
  const bool producer_ok = producer == OpKind::kConv2D ||
                           producer == OpKind::kMatMul ||
                           (producer == OpKind::kMaxPool2D && !bias);
  const bool activation_ok = activation == OpKind::kRelu ||
                             activation == OpKind::kTanh ||
                             activation == OpKind::kSigmoid;
  return producer_ok && activation_ok && FindOp(producer) != nullptr &&
         FindOp(activation) != nullptr &&
         (!bias || FindOp(OpKind::kBiasAdd) != nullptr);
}

absl::StatusOr<FusedActivationAttrs> MakeFusedActivation(OpKind producer,
                                                         OpAttrs producer_attrs,
                                                         bool bias,
                                                         OpKind activation) {
  if (!CanFuseActivation(producer, bias, activation)) {
    return absl::InvalidArgumentError(
        absl::StrCat("FusedActivation: cannot fuse ", OpName(producer),
                     bias ? "+BiasAdd" : "", "+", OpName(activation)));
  }
  FusedActivationAttrs a;
  a.producer = producer;
  a.producer_attrs = std::move(producer_attrs);
  a.bias = bias;
  a.activation = activation;
  return a;
}

std::string FusedActivationLabel(const OpAttrs& attrs) {
  const FusedActivationAttrs& a = Typed(attrs);
  return absl::StrCat(OpName(a.producer), a.bias ? "+BiasAdd" : "", "+",
                      OpName(a.activation));
}

absl::StatusOr<Shape> FusedActivationShape(absl::Span<const Shape> inputs,
                                           const OpAttrs& attrs) {
  const FusedActivationAttrs& a = Typed(attrs);
  if (!CanFuseActivation(a.producer, a.bias, a.activation)) {
    return ShapeError(OpKind::kFusedActivation, inputs,
                      absl::StrCat("cannot fuse ", FusedActivationLabel(attrs),
                                   " (or an op is not linked)"));
  }
  const OpDef* producer = FindOp(a.producer);
  const int n = ProducerInputs(a, inputs.size());
  if (n < OpMinInputs(a.producer) || n > OpMaxInputs(a.producer)) {
    return ShapeError(
        OpKind::kFusedActivation, inputs,
        absl::StrCat(FusedActivationLabel(attrs), ": ", OpName(a.producer),
                     " takes ", OpMinInputs(a.producer), "..",
                     OpMaxInputs(a.producer), " inputs, got ", n));
  }
  if (a.producer_attrs.type() != producer->default_attrs.type()) {
    return ShapeError(OpKind::kFusedActivation, inputs,
                      "producer attrs of the wrong type");
  }
  ASSIGN_OR_RETURN(Shape y,
                   producer->shape_fn(inputs.subspan(0, n), a.producer_attrs));
  if (a.bias) {
    const OpDef* bias_add = FindOp(OpKind::kBiasAdd);
    const Shape with_bias[] = {y, inputs[n]};
    ASSIGN_OR_RETURN(y, bias_add->shape_fn(absl::MakeConstSpan(with_bias),
                                           bias_add->default_attrs));
  }
  return y;
}

// y = act(producer(x...) [+ bias]): producer -> (bias ? y : t),
// BiasAdd t <- y + bias, act y <- t; t is a scratch copy of the output.
absl::Status FusedActivationForward(const ForwardContext& ctx) {
  const FusedActivationAttrs& a = Typed(ctx.attrs);
  const OpDef& producer = *FindOp(a.producer);
  const OpDef& act = *FindOp(a.activation);
  const int n = ProducerInputs(a, ctx.inputs.size());
  Tensor temp = Tensor::View(ctx.output->shape(), ctx.scratch);
  float* inner_scratch = ctx.scratch + TempFloats(ctx.output->shape());
  const ForwardContext p{ctx.inputs.subspan(0, n),
                         a.bias ? ctx.output : &temp,
                         a.producer_attrs,
                         ctx.aux,
                         inner_scratch,
                         ctx.pool,
                         ctx.training,
                         ctx.seed,
                         ctx.step,
                         ctx.example_offset};
  RETURN_IF_ERROR(producer.forward(p));
  if (a.bias) {
    const OpDef& bias_add = *FindOp(OpKind::kBiasAdd);
    Tensor* in[] = {ctx.output, ctx.inputs[n]};
    const ForwardContext b{in,
                           &temp,
                           bias_add.default_attrs,
                           nullptr,
                           nullptr,
                           ctx.pool,
                           ctx.training,
                           ctx.seed,
                           ctx.step,
                           ctx.example_offset};
    RETURN_IF_ERROR(bias_add.forward(b));
  }
  Tensor* in[] = {&temp};
  const ForwardContext f{
      in,       ctx.output,   act.default_attrs, nullptr,  nullptr,
      ctx.pool, ctx.training, ctx.seed,          ctx.step, ctx.example_offset};
  return act.forward(f);
}

// dz = act'(dL/dy, y)   [shape of y], e.g. dL/dy * [y > 0] for Relu
// dL/dx_k = producer VJP wrt k on dz;  dL/dbias[c] = sum_{n,s} dz[n,c,s]
void FusedActivationVjp(const VjpContext& ctx) {
  const FusedActivationAttrs& a = Typed(ctx.attrs);
  const OpDef& act = *FindOp(a.activation);
  const int n = ProducerInputs(a, ctx.inputs.size());
  const Shape& out = ctx.grad_output.shape();
  Tensor dz = Tensor::View(out, ctx.scratch);
  const Tensor* none[] = {nullptr};
  const VjpContext f{none,    ctx.output, ctx.grad_output, act.default_attrs,
                     nullptr, nullptr,    ctx.pool,        ctx.training,
                     0,       &dz};
  act.vjp(f);
  if (ctx.wrt == n) {  // dBias.
    const OpDef& bias_add = *FindOp(OpKind::kBiasAdd);
    const Tensor* two[] = {nullptr, nullptr};
    const VjpContext b{two,     nullptr,       dz,       bias_add.default_attrs,
                       nullptr, nullptr,       ctx.pool, ctx.training,
                       1,       ctx.grad_input};
    bias_add.vjp(b);
    return;
  }
  const OpDef& producer = *FindOp(a.producer);
  const VjpContext p{ctx.inputs.subspan(0, n),
                     nullptr,
                     dz,
                     a.producer_attrs,
                     ctx.aux,
                     ctx.scratch + TempFloats(out),
                     ctx.pool,
                     ctx.training,
                     ctx.wrt,
                     ctx.grad_input};
  producer.vjp(p);
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kFusedActivation)
                       .Attrs<FusedActivationAttrs>()
                       .Shape(FusedActivationShape)
                       .Aux(FusedActivationAux)
                       .Scratch(FusedActivationScratch)
                       .Forward(FusedActivationForward)
                       .Vjp(FusedActivationVjp, kVjpUsesInputsAndOutput)
                       .VjpUsesOf(FusedActivationVjpUses)
                       .Intermediate(FusedActivationIntermediate)
                       .Label(FusedActivationLabel));

}  // namespace dagrad
