// ops/op.h: what an op is, and the registry that holds them.
//
// An op is defined once, in its own file pair ops/<name>.{h,cc}:
//  - a typed attributes struct, e.g. `struct Conv2DAttrs`, whose
//    `static constexpr OpKind kKind` names the op it configures;
//  - a pure shape function: input shapes + attrs -> output shape, or
//    InvalidArgument naming the op and every input shape;
//  - a forward and a VJP (the math written above each) that dispatch to
//    CPU kernels in ops/cpu/ (named by what they compute, e.g.
//    ops/cpu/parallel_map.h, ops/cpu/reduce.h);
//  - one registration line, DAGRAD_REGISTER_OP(...), at the bottom.
//
// Kernel contract ("kernels trust the graph"): shapes were validated by the
// shape function when the node was added, so kernels only assert. Kernels
// allocate nothing; temporary memory is the `scratch` buffer the op sized with
// its ScratchFn, and memory that must survive from forward to VJP (max-pool
// argmax, dropout mask, batch statistics) is the `aux` buffer sized with its
// AuxFn. Both are planned by the executor (or by ops/eager.h in tests),
// which size them with OpAuxFloats() / OpScratchFloats() below.
//
// VJP contract: one call computes dL/d(input wrt) and OVERWRITES *grad_input
// with it. The graph sums fan-out with explicit Add nodes; a VJP
// never accumulates. Inputs the op lists in `non_differentiable_inputs`
// (labels) are never asked for.
//
// Example (ops/relu.cc):
//   absl::StatusOr<Shape> ReluShape(absl::Span<const Shape> in,
//                                   const OpAttrs&) { return in[0]; }
//   // y = max(x, 0)
//   absl::Status ReluForward(const ForwardContext& ctx) {
//     ParallelMap(ctx.pool, ctx.output->size(), ctx.input(0).data(),
//                 ctx.output->data(),
//                 [](float x) { return x > 0.0f ? x : 0.0f; });
//     return absl::OkStatus();
//   }
//   // dL/dx = dL/dy * [y > 0]   (reads the output y: kVjpUsesOutput)
//   void ReluVjp(const VjpContext& ctx) { ... }
//   DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kRelu)
//                          .Attrs<ReluAttrs>()
//                          .Shape(ReluShape)
//                          .Forward(ReluForward)
//                          .Vjp(ReluVjp, kVjpUsesOutput));
//
// User ops. A library outside ops/ adds an op by NAME, without editing
// dagrad's files: the built-in ops keep their one sorted list
// (ops/op_list.h), and each registered user op gets an OpKind after them
// (kNumOps, kNumOps + 1, ...), which everything that takes an OpKind
// accepts (GraphBuilder, autodiff, the executor with planned aux and
// scratch, DOT, profiles, the graph passes, ops/eager.h, the gradient
// checker). ONNX export rejects a user op as having no ONNX equivalent.
//  - Its attrs struct declares `static constexpr char kOpName[]` (instead of
//    a kKind); GraphBuilder::AddOp(attrs, ...) finds the op by that name.
//  - Its OpDefBuilder is made from the name and declares the arity with
//    Inputs(min, max); the rest is as for a built-in op.
//  - RegisterOp(builder) validates the definition (a shape fn, a forward,
//    and a VJP or NotDifferentiable(); arity 1..31; Attrs<T>() with T::kOpName
//    equal to the name) and returns the op's kind, InvalidArgument for an
//    incomplete definition, or AlreadyExists when the name is taken by a
//    built-in op or another user op. These are Status returns: they hold in
//    every build mode (-c opt too), never an assert.
//  - DAGRAD_REGISTER_OP(builder) also takes a user op's builder, at static
//    initialization. It cannot return a status, so it records an error:
//    OpRegistryStatus() returns it, and GetOp() (hence GraphBuilder::AddOp
//    and EagerOp) of an op a rejected duplicate tried to redefine returns
//    the AlreadyExists error instead of silently using either definition.
//
// Example (a user library: examples/user_op/scaled_softsign.{h,cc}):
//   struct ScaledSoftsignAttrs {
//     static constexpr char kOpName[] = "ScaledSoftsign";
//     float scale = 1.0f;
//     // operator== and AbslHashValue, so that CSE can compare nodes.
//   };
//   OpDefBuilder ScaledSoftsignOp() {
//     OpDefBuilder op(ScaledSoftsignAttrs::kOpName);
//     op.Inputs(1, 1)
//         .Attrs<ScaledSoftsignAttrs>()
//         .Shape(ScaledSoftsignShape)    // ShapeError(kOpName, ...) on error
//         .Forward(ScaledSoftsignForward)
//         .Aux(ScaledSoftsignAux)        // Planned like a built-in's aux.
//         .Vjp(ScaledSoftsignVjp, kVjpUsesNothing);
//     return op;
//   }
//   DAGRAD_REGISTER_OP(ScaledSoftsignOp());  // In an alwayslink library; or
//   // at run time, with the status in hand:
//   //   absl::StatusOr<OpKind> kind = RegisterOp(ScaledSoftsignOp());
//   //   (a second call: AlreadyExists)
//   // Then graphs use it as any op:
//   //   NodeId y = *builder.AddOp(ScaledSoftsignAttrs{2.0f}, {x});
#ifndef DAGRAD_OPS_OP_H_
#define DAGRAD_OPS_OP_H_

#include <any>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "core/status_macros.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/op_list.h"

namespace dagrad {

// OpKind enumerates the ops of DAGRAD_OP_LIST: OpKind::kConv2D, ... User ops
// (RegisterOp() below) take the values from kNumOps on, in registration
// order.
enum class OpKind : int {
#define DAGRAD_OP_ENUM_(name, min_in, max_in) k##name,
  DAGRAD_OP_LIST(DAGRAD_OP_ENUM_)
#undef DAGRAD_OP_ENUM_
};

// kNumOps is the number of ops in DAGRAD_OP_LIST (the built-in ops).
inline constexpr int kNumOps = 0
#define DAGRAD_OP_COUNT_(name, min_in, max_in) +1
    DAGRAD_OP_LIST(DAGRAD_OP_COUNT_)
#undef DAGRAD_OP_COUNT_
    ;

// kMaxUserOps is how many user ops one process can register.
inline constexpr int kMaxUserOps = 256;

// IsBuiltinOp() is true for the ops of DAGRAD_OP_LIST.
inline bool IsBuiltinOp(OpKind kind) {
  return static_cast<int>(kind) >= 0 && static_cast<int>(kind) < kNumOps;
}

// OpName() is the op's name: as written in the list, e.g. "Conv2D", or a
// user op's registered name; "UnknownOp" for a kind nobody registered.
// The pointer lives as long as the process.
const char* OpName(OpKind kind);
// OpMinInputs() / OpMaxInputs() are the op's arity bounds: from the list,
// or a user op's Inputs(); 0 for an unknown kind.
int OpMinInputs(OpKind kind);
int OpMaxInputs(OpKind kind);

// OpAttrs holds an op's typed attributes struct (e.g. Conv2DAttrs). Ops with
// no attributes use an empty struct. Read it with AttrsAs<T>().
using OpAttrs = std::any;

// AttrsAs<T>() returns the attributes as T. Requires that `attrs` holds a T
// (the graph builder guarantees it: it checks the op's attrs type).
template <typename T>
const T& AttrsAs(const OpAttrs& attrs) {
  const T* typed = std::any_cast<T>(&attrs);
  assert(typed != nullptr);
  return *typed;
}

// ShapeFn: pure output-shape inference. Errors are InvalidArgument messages
// that start with the op name and give every input shape, e.g.
//   "Conv2D: input [64,28,28] must be rank 4 (NCHW); inputs [64,28,28], ..."
// The graph prefixes the node's name and scope.
using ShapeFn = absl::StatusOr<Shape> (*)(absl::Span<const Shape> inputs,
                                          const OpAttrs& attrs);

// ShapeQuery describes one node for AuxFn/ScratchFn.
struct ShapeQuery {
  absl::Span<const Shape> inputs;
  const Shape& output;
  const OpAttrs& attrs;
  int num_threads;  // Threads the kernels may use (scratch per thread).
};

// AuxFn: floats of side memory that the forward writes and the VJP reads.
using AuxFn = int64_t (*)(const ShapeQuery& query);
// ScratchFn: floats of temporary memory a kernel needs during one call; `wrt`
// is -1 for the forward, else the input index of the VJP call.
using ScratchFn = int64_t (*)(const ShapeQuery& query, int wrt);

// ForwardContext is what a forward kernel sees. Pointers are valid for the
// duration of the call only.
//
// example_offset: a step's global batch may be run as several runs over
// contiguous row ranges (data-parallel ranks, gradient shards); it is the
// index, within the step's global batch, of row 0 (dim 0) of this run's
// tensors, >= 0, and 0 for a run over the whole batch. Random ops key their
// draws by the global row, so each example draws what it would in one run
// over the whole batch (ops/dropout.h); other ops ignore it.
struct ForwardContext {
  absl::Span<Tensor* const> inputs;  // Read-only except mutable_inputs.
  Tensor* output;                    // Overwrite entirely.
  const OpAttrs& attrs;
  float* aux;        // aux_floats() floats, or nullptr if 0.
  float* scratch;    // scratch_floats(..., -1) floats, or nullptr if 0.
  ThreadPool* pool;  // Never null.
  bool training;     // Training mode (dropout, batch norm).
  uint64_t seed;     // Per-node seed for random ops.
  uint64_t step;     // Increments every run; random ops draw stream `step`.
  int64_t example_offset = 0;  // Global row of this run's row 0 (above).

  const Tensor& input(int i) const { return *inputs[i]; }
  // mutable_input(i) is allowed only for inputs the op declared mutable
  // (batch norm's running statistics).
  Tensor* mutable_input(int i) const { return inputs[i]; }
};

// VjpContext is what a VJP kernel sees: the forward's inputs and output (those
// the op's VjpUses lists; the rest are nullptr), dL/dy, and the gradient to
// overwrite.
struct VjpContext {
  absl::Span<const Tensor* const> inputs;
  const Tensor* output;
  const Tensor& grad_output;
  const OpAttrs& attrs;
  const float* aux;  // What the forward wrote, or nullptr.
  float* scratch;
  ThreadPool* pool;
  bool training;
  int wrt;             // The input whose gradient to compute.
  Tensor* grad_input;  // Overwrite entirely; shape of inputs[wrt].

  const Tensor& input(int i) const { return *inputs[i]; }
};

// A forward kernel returns OK, or InvalidArgument for bad *data* that no
// shape function can see (a label outside [0, classes)), naming the op and
// the offending value. Shape problems never reach a kernel.
using ForwardFn = absl::Status (*)(const ForwardContext& ctx);
using VjpFn = void (*)(const VjpContext& ctx);

// AttrsEqualFn / AttrsHashFn compare and hash two OpAttrs of one op's attrs
// type (OpDefBuilder::Attrs<T>() records them from T), so graph passes can
// compare nodes (graph/passes/cse.h).
using AttrsEqualFn = bool (*)(const OpAttrs& a, const OpAttrs& b);
using AttrsHashFn = size_t (*)(const OpAttrs& attrs);
// VjpUsesFn: per-node VjpUses, for ops whose VJP reads different tensors
// depending on their attrs (ops/fused_activation.h).
using VjpUsesFn = uint32_t (*)(const OpAttrs& attrs);
// LabelFn: a node's op label for DOT and profiles when it is not the op
// name, e.g. "Conv2D+Relu".
using LabelFn = std::string (*)(const OpAttrs& attrs);

// VjpUses says which forward tensors the VJP reads, so the memory planner can
// free the others after the forward. Combine with |.
enum VjpUses : uint32_t {
  kVjpUsesNothing = 0,
  kVjpUsesInputs = 1,
  kVjpUsesOutput = 2,
  kVjpUsesInputsAndOutput = 3,
};

// OpDef is everything the graph knows about an op.
struct OpDef {
  OpKind kind;
  // default_attrs holds a default-constructed attrs struct of the op's type;
  // the graph rejects attrs of any other type.
  OpAttrs default_attrs;
  ShapeFn shape_fn = nullptr;
  ForwardFn forward = nullptr;
  // vjp is nullptr exactly when the op is marked NotDifferentiable().
  VjpFn vjp = nullptr;
  bool not_differentiable = false;
  uint32_t vjp_uses = kVjpUsesInputsAndOutput;
  AuxFn aux_floats = nullptr;
  ScratchFn scratch_floats = nullptr;
  // Bit i set: input i has no gradient (labels, running statistics).
  uint32_t non_differentiable_inputs = 0;
  // Bit i set: the forward may update input i in place (running stats).
  uint32_t mutable_inputs = 0;
  // random: the forward draws from its per-node seed (dropout), so two such
  // nodes with equal inputs still differ; passes never merge or fold them.
  bool random = false;
  // attrs_equal / attrs_hash: set by Attrs<T>() when T is empty or defines
  // operator== and AbslHashValue; nullptr means "never equal".
  AttrsEqualFn attrs_equal = nullptr;
  AttrsHashFn attrs_hash = nullptr;
  // vjp_uses_of, when set, replaces vjp_uses per node (OpVjpUses()).
  VjpUsesFn vjp_uses_of = nullptr;
  // label, when set, names a node's op for DOT and profiles (OpLabel()).
  LabelFn label = nullptr;
  // intermediate_floats, when set: after the forward, the first this-many
  // floats of its scratch hold an intermediate result (a fused op's
  // pre-activation), which the executor's check_numerics scans too.
  AuxFn intermediate_floats = nullptr;
  // in_place: the forward is elementwise and its kernel is correct when the
  // output is the very buffer of one input (out == in, never a partial
  // overlap), so the memory planner may give the output the buffer of an
  // input whose last reader is this node, when every input has the output's
  // shape (graph/executor.h ExecutorOptions::in_place).
  bool in_place = false;
  // view: the output is input 0's elements unchanged (a reshape or an
  // identity), and the forward is correct when the output is input 0's very
  // buffer, the VJP when dL/dx is dL/dy's buffer; the planner then gives
  // them that buffer and the copy is skipped (ExecutorOptions::in_place).
  bool view = false;

  const char* name() const { return OpName(kind); }
  bool IsDifferentiableInput(int i) const {
    return !not_differentiable && !(non_differentiable_inputs >> i & 1u);
  }
};

// OpAttrsEqual() is true when `a` and `b` (both of def's attrs type) are
// equal by the op's recorded equality; false when it has none.
bool OpAttrsEqual(const OpDef& def, const OpAttrs& a, const OpAttrs& b);
// OpAttrsHash() hashes attrs consistently with OpAttrsEqual() (0 when the
// op records no hash).
size_t OpAttrsHash(const OpDef& def, const OpAttrs& attrs);
// OpVjpUses() is what a node's VJP reads: vjp_uses_of(attrs) if the op has
// it, else vjp_uses.
uint32_t OpVjpUses(const OpDef& def, const OpAttrs& attrs);
// OpLabel() is label(attrs) if the op has one, else its name.
std::string OpLabel(const OpDef& def, const OpAttrs& attrs);

// AttrsEquality<T> decides how Attrs<T>() compares and hashes T: empty
// structs are all equal; a struct defining operator== (and, with it,
// AbslHashValue) uses them; any other struct is never equal.
template <typename T, typename = void>
struct AttrsEquality {
  static constexpr bool kComparable = std::is_empty_v<T>;
  static bool Equal(const OpAttrs&, const OpAttrs&) { return true; }
  static size_t Hash(const OpAttrs&) { return 0; }
};
template <typename T>
struct AttrsEquality<T, std::void_t<decltype(std::declval<const T&>() ==
                                             std::declval<const T&>())>> {
  static constexpr bool kComparable = true;
  static bool Equal(const OpAttrs& a, const OpAttrs& b) {
    return AttrsAs<T>(a) == AttrsAs<T>(b);
  }
  static size_t Hash(const OpAttrs& a) {
    return absl::Hash<T>{}(AttrsAs<T>(a));
  }
};

// OpAuxFloats() is the aux memory of op `def` for `query`: its AuxFn's
// answer, or 0 if it has none. The executor and ops/eager.h size aux with it.
int64_t OpAuxFloats(const OpDef& def, const ShapeQuery& query);
// OpScratchFloats() is the scratch one call of op `def` needs: the forward's
// for wrt == -1, the VJP's with respect to input `wrt` otherwise; 0 if the op
// has no ScratchFn. The executor sizes its shared scratch as the max of this
// over the scheduled calls.
int64_t OpScratchFloats(const OpDef& def, const ShapeQuery& query, int wrt);
// OpMaxScratchFloats() is the max of OpScratchFloats() over the forward and
// the VJP of every differentiable input: one buffer serves every call of a
// standalone op (ops/eager.h).
int64_t OpMaxScratchFloats(const OpDef& def, const ShapeQuery& query);

namespace op_internal {

// HasOpKind<T>: T is a built-in op's attrs (static constexpr OpKind kKind).
template <typename T, typename = void>
struct HasOpKind : std::false_type {};
template <typename T>
struct HasOpKind<T, std::void_t<decltype(T::kKind)>> : std::true_type {};
// HasOpName<T>: T is a user op's attrs (static constexpr char kOpName[]).
template <typename T, typename = void>
struct HasOpName : std::false_type {};
template <typename T>
struct HasOpName<T, std::void_t<decltype(T::kOpName)>> : std::true_type {};

}  // namespace op_internal

// OpDefBuilder assembles an OpDef for RegisterOp() / DAGRAD_REGISTER_OP.
// Mistakes that the type system cannot catch (attrs of another op, Inputs()
// on a built-in op) are recorded and returned by RegisterOp().
class OpDefBuilder {
 public:
  // OpDefBuilder(kind) starts a built-in op of DAGRAD_OP_LIST; its arity
  // comes from the list.
  explicit OpDefBuilder(OpKind kind);
  // OpDefBuilder(name) starts a user op named `name` (letters, digits and
  // '_', starting with a letter), taking one input unless Inputs() says
  // otherwise.
  explicit OpDefBuilder(std::string name);

  // Inputs() sets a user op's arity bounds, 1 <= min <= max <= 31.
  OpDefBuilder& Inputs(int min_inputs, int max_inputs);
  // Attrs<T>() declares the op's attributes struct: T::kKind must be the
  // built-in op, or T::kOpName the user op's name.
  template <typename T>
  OpDefBuilder& Attrs() {
    static_assert(std::is_default_constructible_v<T>);
    static_assert(
        op_internal::HasOpKind<T>::value || op_internal::HasOpName<T>::value,
        "an attrs struct declares static constexpr OpKind kKind "
        "(built-in op) or char kOpName[] (user op)");
    if constexpr (op_internal::HasOpKind<T>::value) {
      CheckAttrsOf(T::kKind, "");
    } else {
      CheckAttrsOf(OpKind{}, T::kOpName);
    }
    def_.default_attrs = T{};
    if constexpr (AttrsEquality<T>::kComparable) {
      def_.attrs_equal = &AttrsEquality<T>::Equal;
      def_.attrs_hash = &AttrsEquality<T>::Hash;
    }
    return *this;
  }
  OpDefBuilder& Shape(ShapeFn fn) {
    def_.shape_fn = fn;
    return *this;
  }
  OpDefBuilder& Forward(ForwardFn fn) {
    def_.forward = fn;
    return *this;
  }
  OpDefBuilder& Vjp(VjpFn fn, uint32_t uses = kVjpUsesInputsAndOutput) {
    def_.vjp = fn;
    def_.vjp_uses = uses;
    return *this;
  }
  // NotDifferentiable() marks an op with no gradient at all.
  OpDefBuilder& NotDifferentiable() {
    def_.not_differentiable = true;
    return *this;
  }
  OpDefBuilder& NonDifferentiableInput(int i) {
    def_.non_differentiable_inputs |= 1u << i;
    return *this;
  }
  OpDefBuilder& MutableInput(int i) {
    def_.mutable_inputs |= 1u << i;
    return *this;
  }
  // Random() marks an op whose forward draws from its node's seed.
  OpDefBuilder& Random() {
    def_.random = true;
    return *this;
  }
  OpDefBuilder& VjpUsesOf(VjpUsesFn fn) {
    def_.vjp_uses_of = fn;
    return *this;
  }
  OpDefBuilder& Label(LabelFn fn) {
    def_.label = fn;
    return *this;
  }
  OpDefBuilder& Intermediate(AuxFn fn) {
    def_.intermediate_floats = fn;
    return *this;
  }
  // InPlace() marks an elementwise op whose kernel allows out == input
  // (OpDef::in_place).
  OpDefBuilder& InPlace() {
    def_.in_place = true;
    return *this;
  }
  // View() marks a reshape or identity whose output may be its input's
  // buffer (OpDef::view).
  OpDefBuilder& View() {
    def_.view = true;
    return *this;
  }
  OpDefBuilder& Aux(AuxFn fn) {
    def_.aux_floats = fn;
    return *this;
  }
  OpDefBuilder& Scratch(ScratchFn fn) {
    def_.scratch_floats = fn;
    return *this;
  }

  const OpDef& def() const { return def_; }
  // is_user_op() is true for a builder made from a name.
  bool is_user_op() const { return user_op_; }
  // name() is the op's name (the list's for a built-in op).
  const std::string& name() const { return name_; }
  int min_inputs() const { return min_inputs_; }
  int max_inputs() const { return max_inputs_; }
  // status() is the first mistake recorded while building, or OK.
  const absl::Status& status() const { return status_; }

 private:
  // CheckAttrsOf() records an error unless attrs of built-in `kind` (for a
  // built-in builder) or of the user op `name` (for a user builder) fit.
  void CheckAttrsOf(OpKind kind, absl::string_view name);
  void Fail(absl::Status status);

  OpDef def_;
  bool user_op_ = false;
  std::string name_;
  int min_inputs_ = 1;
  int max_inputs_ = 1;
  absl::Status status_;
};

// RegisterOp() validates the op `builder` describes and adds it to the
// registry, returning its kind (the list's for a built-in op, a new one for
// a user op). Errors, in every build mode:
//  - InvalidArgument naming the op: a mistake recorded by the builder, a bad
//    name or arity, no Attrs<T>(), no shape fn, no forward, neither a VJP
//    nor NotDifferentiable() (or both), no differentiable input;
//  - AlreadyExists: the built-in op is already registered, or the user op's
//    name is a built-in op's or an already registered user op's;
//  - ResourceExhausted: kMaxUserOps user ops are registered already.
// On error the registry is unchanged. Thread-safe.
absl::StatusOr<OpKind> RegisterOp(const OpDefBuilder& builder);

// OpRegistryStatus() is OK, or the errors of the DAGRAD_REGISTER_OP lines
// that failed (the first one's code, every message), in the order they ran.
absl::Status OpRegistryStatus();

// FindOp() returns the registered op, or nullptr if none is linked in (or
// registered) under `kind`. Thread-safe; the pointer lives as long as the
// process.
const OpDef* FindOp(OpKind kind);
// GetOp() is FindOp() with an error: Internal naming the op when missing
// (the op library was not linked with alwayslink, or a user op was not
// registered), or AlreadyExists when a DAGRAD_REGISTER_OP line tried to
// register the op a second time (see the file comment).
absl::StatusOr<const OpDef*> GetOp(OpKind kind);
// FindOpKind() is the kind of the op named `name` (built-in, linked or not,
// or a registered user op), or NotFound naming it.
absl::StatusOr<OpKind> FindOpKind(absl::string_view name);
// RegisteredOps() lists every registered op: the linked built-in ops in list
// order, then the user ops in registration order.
std::vector<OpKind> RegisteredOps();

// OpKindOf<T>() is the op an attrs struct T configures: T::kKind for a
// built-in op, else the registered user op named T::kOpName (NotFound when
// it is not registered yet).
template <typename T>
absl::StatusOr<OpKind> OpKindOf() {
  if constexpr (op_internal::HasOpKind<T>::value) {
    return T::kKind;
  } else {
    static_assert(op_internal::HasOpName<T>::value,
                  "attrs need static constexpr OpKind kKind or char kOpName[]");
    return FindOpKind(T::kOpName);
  }
}

namespace op_internal {
// RegisterAtStartup() is DAGRAD_REGISTER_OP's body: RegisterOp(), with an
// error recorded for OpRegistryStatus() (and, for AlreadyExists, for GetOp()
// of the op). Returns whether the registration succeeded.
bool RegisterAtStartup(const OpDefBuilder& builder);
}  // namespace op_internal

// DAGRAD_REGISTER_OP(builder) registers an op at static-initialization time.
// The op's cc_library must be alwayslink = 1. Errors are recorded, never
// asserted: see RegisterOp() and OpRegistryStatus().
#define DAGRAD_REGISTER_OP(builder)                                        \
  static const bool DAGRAD_STATUS_CONCAT_(dagrad_op_registered_, __LINE__) \
      [[maybe_unused]] = ::dagrad::op_internal::RegisterAtStartup(builder)

// ShapeError() builds the standard shape-function error:
//   "<Op>: <what>; inputs [..], [..]".
absl::Status ShapeError(OpKind kind, absl::Span<const Shape> inputs,
                        const std::string& what);
// ShapeError(op_name, ...) is the same for an op named `op_name`, e.g. a user
// op's shape fn: ShapeError(MyAttrs::kOpName, inputs, "...").
absl::Status ShapeError(absl::string_view op_name,
                        absl::Span<const Shape> inputs,
                        const std::string& what);

}  // namespace dagrad

#endif  // DAGRAD_OPS_OP_H_
