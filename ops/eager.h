// ops/eager.h: run one op outside a graph, for tests and op benchmarks.
//
// EagerOp sizes everything once (output, aux, scratch) for fixed input
// shapes, then runs the op's forward and VJP kernels as often as asked with
// no further allocation (Vjp's grad_input is the caller's). It checks what
// the graph would: arity, the shape function, input shapes at each call, and
// that a requested gradient exists.
//
// Example:
//   ThreadPool pool(1);
//   ASSIGN_OR_RETURN(std::unique_ptr<EagerOp> op,
//                    EagerOp::Create(OpKind::kRelu, ReluAttrs{}, {x.shape()},
//                                    &pool));
//   RETURN_IF_ERROR(op->Forward({&x}));
//   Tensor dx = Tensor::Zeros(x.shape());
//   RETURN_IF_ERROR(op->Vjp(0, dy, &dx));
#ifndef DAGRAD_OPS_EAGER_H_
#define DAGRAD_OPS_EAGER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/op.h"

namespace dagrad {

// EagerOptions are the run-mode settings a graph executor would pass.
struct EagerOptions {
  bool training = true;
  uint64_t seed = 0;
  uint64_t step = 0;
  // example_offset: ForwardContext::example_offset, the global batch row of
  // this run's row 0 (ops/op.h).
  int64_t example_offset = 0;
};

class EagerOp {
 public:
  // Create() validates the op, its arity and its shapes. `pool` must outlive
  // the EagerOp.
  static absl::StatusOr<std::unique_ptr<EagerOp>> Create(
      OpKind kind, OpAttrs attrs, std::vector<Shape> input_shapes,
      ThreadPool* pool);

  const OpDef& def() const { return *def_; }
  const Shape& output_shape() const { return output_.shape(); }

  // Forward() runs the forward kernel on `inputs`, whose shapes must equal
  // the creation shapes. The inputs must stay alive and unchanged until the
  // last Vjp() that follows. The result is output(). Returns the kernel's
  // error for bad data (e.g. out-of-range labels).
  absl::Status Forward(std::vector<Tensor*> inputs,
                       const EagerOptions& options = {});
  const Tensor& output() const { return output_; }

  // Vjp() writes dL/d(input wrt) into *grad_input (resized by the caller to
  // the input's shape) given dL/d(output). Requires a prior Forward().
  absl::Status Vjp(int wrt, const Tensor& grad_output, Tensor* grad_input);

 private:
  EagerOp() = default;

  const OpDef* def_ = nullptr;
  OpAttrs attrs_;
  std::vector<Shape> input_shapes_;
  ThreadPool* pool_ = nullptr;
  Tensor output_;
  AlignedFloats aux_;
  AlignedFloats scratch_;
  int64_t scratch_floats_ = 0;
  std::vector<Tensor*> inputs_;
  bool training_ = true;
  bool has_forward_ = false;
};

// RunForward() is a one-shot forward in inference mode unless `options` say
// otherwise; it returns an owned output.
absl::StatusOr<Tensor> RunForward(OpKind kind, const OpAttrs& attrs,
                                  std::vector<Tensor*> inputs,
                                  const EagerOptions& options = {false});

}  // namespace dagrad

#endif  // DAGRAD_OPS_EAGER_H_
