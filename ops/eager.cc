#include "ops/eager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace dagrad {

absl::StatusOr<std::unique_ptr<EagerOp>> EagerOp::Create(
    OpKind kind, OpAttrs attrs, std::vector<Shape> input_shapes,
    ThreadPool* pool) {
  ASSIGN_OR_RETURN(const OpDef* def, GetOp(kind));
  const int n = static_cast<int>(input_shapes.size());
  if (n < OpMinInputs(kind) || n > OpMaxInputs(kind)) {
    return ShapeError(kind, input_shapes,
                      absl::StrCat("takes ", OpMinInputs(kind), " to ",
                                   OpMaxInputs(kind), " inputs, got ", n));
  }
  ASSIGN_OR_RETURN(Shape out, def->shape_fn(input_shapes, attrs));
  std::unique_ptr<EagerOp> op(new EagerOp());
  op->def_ = def;
  op->attrs_ = std::move(attrs);
  op->input_shapes_ = std::move(input_shapes);
  op->pool_ = pool;
  op->output_ = Tensor::Zeros(out);
  ShapeQuery query{op->input_shapes_, op->output_.shape(), op->attrs_,
                   pool->num_threads()};
  const int64_t aux = OpAuxFloats(*def, query);
  if (aux > 0) op->aux_ = AllocateAligned(aux);
  op->scratch_floats_ = OpMaxScratchFloats(*def, query);
  if (op->scratch_floats_ > 0) {
    op->scratch_ = AllocateAligned(op->scratch_floats_);
  }
  return op;
}

absl::Status EagerOp::Forward(std::vector<Tensor*> inputs,
                              const EagerOptions& options) {
  if (inputs.size() != input_shapes_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(def_->name(), ": expected ", input_shapes_.size(),
                     " inputs, got ", inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]->shape() != input_shapes_[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat(def_->name(), ": input ", i, " has shape ",
                       inputs[i]->shape().DebugString(), ", op was built for ",
                       input_shapes_[i].DebugString()));
    }
  }
  inputs_ = std::move(inputs);
  training_ = options.training;
  ForwardContext ctx{inputs_,          &output_,
                     attrs_,           aux_.get(),
                     scratch_.get(),   pool_,
                     options.training, options.seed,
                     options.step,     options.example_offset};
  has_forward_ = false;
  RETURN_IF_ERROR(def_->forward(ctx));
  has_forward_ = true;
  return absl::OkStatus();
}

absl::Status EagerOp::Vjp(int wrt, const Tensor& grad_output,
                          Tensor* grad_input) {
  if (!has_forward_) {
    return absl::FailedPreconditionError(
        absl::StrCat(def_->name(), ": Vjp() before Forward()"));
  }
  if (wrt < 0 || wrt >= static_cast<int>(inputs_.size()) ||
      !def_->IsDifferentiableInput(wrt) || def_->vjp == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(def_->name(), ": input ", wrt, " is not differentiable"));
  }
  if (grad_output.shape() != output_.shape() ||
      grad_input->shape() != input_shapes_[wrt]) {
    return absl::InvalidArgumentError(absl::StrCat(
        def_->name(), ": gradient shapes dy", grad_output.shape().DebugString(),
        " dx", grad_input->shape().DebugString(), " do not match output ",
        output_.shape().DebugString(), " and input ",
        input_shapes_[wrt].DebugString()));
  }
  std::vector<const Tensor*> vjp_inputs(inputs_.size(), nullptr);
  if (def_->vjp_uses & kVjpUsesInputs) {
    for (size_t i = 0; i < inputs_.size(); ++i) vjp_inputs[i] = inputs_[i];
  }
  const Tensor* output = (def_->vjp_uses & kVjpUsesOutput) ? &output_ : nullptr;
  VjpContext ctx{vjp_inputs,     output, grad_output, attrs_, aux_.get(),
                 scratch_.get(), pool_,  training_,   wrt,    grad_input};
  def_->vjp(ctx);
  return absl::OkStatus();
}

absl::StatusOr<Tensor> RunForward(OpKind kind, const OpAttrs& attrs,
                                  std::vector<Tensor*> inputs,
                                  const EagerOptions& options) {
  std::vector<Shape> shapes;
  for (Tensor* t : inputs) shapes.push_back(t->shape());
  ThreadPool pool(1);
  ASSIGN_OR_RETURN(std::unique_ptr<EagerOp> op,
                   EagerOp::Create(kind, attrs, std::move(shapes), &pool));
  RETURN_IF_ERROR(op->Forward(std::move(inputs), options));
  return op->output().Clone();
}

}  // namespace dagrad
