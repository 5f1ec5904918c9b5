// graph/executor.h: runs a finalized Graph for a fixed batch size.
//
// Executor::Create() compiles a Graph for ExecutorOptions: it prunes the
// graph to the fetches (graph/schedule.h), re-infers every shape with the
// batch size, plans one arena (graph/memory_plan.h) and allocates it, the
// shared scratch region and a ThreadPool. After that Run() allocates nothing.
//
// Lifecycle / state:
//   Create -> BindParameters (if the schedule has parameters) -> Feed every
//   scheduled input -> Run -> Fetch ... ; Feed/Run/Fetch may repeat. Feeds
//   persist across runs. Run before BindParameters or before every needed
//   input was fed, Fetch before the first Run, or Create from a Graph that
//   was not produced by GraphBuilder::Finalize() are FailedPrecondition.
//
// Ownership: the Graph and the bound ParameterStore must outlive the
// executor; parameters are used in place (views), so an optimizer updating
// the store is seen by the next Run. Several executors (training, eval with
// another batch size) may share one Graph and one store.
//
// Memory: with in_place (the default) the planner gives an in-place
// elementwise op's output (OpDef::in_place) the buffer of an input whose
// last reader it is, when that input is an intermediate (not a parameter,
// constant, fed input or fetch) of the output's shape, read once by it;
// and a view (OpDef::view: Flatten, Reshape, Identity) and its VJP take the
// buffer of the tensor they view, so they copy nothing. A buffer shared by
// several tensors is overwritten in place only when none of them is read
// later or must outlive the run.
// With memory_budget_bytes set and a plan above it, Create() rewrites the
// graph with rematerialization (graph/passes/rematerialize.h) and runs the
// rewritten graph, which it owns: graph() is then that graph, the ids that
// schedule(), profile() and plan().node_bytes use are its ids, and Feed(),
// Fetch() and shape() take the caller's ids and map them.
//
// Determinism: each node's seed is a hash of (options.seed, node id); Run()
// passes a step counter that increments every run, and the example offset
// (set_example_offset()) that places the run's rows in a larger global
// batch. Results are bitwise the same at any num_threads if the kernels
// honour the op contract.
#ifndef DAGRAD_GRAPH_EXECUTOR_H_
#define DAGRAD_GRAPH_EXECUTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "graph/graph.h"
#include "graph/memory_plan.h"
#include "graph/parameter_store.h"
#include "graph/passes/rematerialize.h"

namespace dagrad {

struct ExecutorOptions {
  std::vector<NodeId> fetches;
  int64_t batch_size = 1;
  int num_threads = 1;
  bool plan_memory = true;
  bool training = true;
  uint64_t seed = 0;
  // check_numerics: after every node, scan its output; the first NaN or Inf
  // stops Run() with InvalidArgument naming the node (and its scope), the
  // op, the element and the value. Costs one pass over every tensor.
  bool check_numerics = false;
  // profile: time every scheduled node (wall clock) and add it to
  // Executor::profile(). Costs two clock reads per node.
  bool profile = false;
  // in_place: let in-place elementwise ops reuse an input's buffer (see the
  // file comment). Results are bitwise the same either way.
  bool in_place = true;
  // memory_budget_bytes: when > 0 and the planned arena is larger, recompute
  // forward values in the reverse pass until it fits (rematerialization, see
  // the file comment); ResourceExhausted stating the smallest feasible
  // budget when it cannot. Results are bitwise the same.
  int64_t memory_budget_bytes = 0;
  // consumed_fetches: fetches the caller reads only inside Run(on_computed),
  // not after the run (an optimizer update applied during the reverse pass,
  // FitOptions::update_in_backward). Each names one of `fetches`, a
  // scheduled parameter (by name) and optionally another fetch `after`.
  // Watch() reports such a fetch once its node has run and so have every
  // scheduled reader of that parameter and the node of `after` (the loss,
  // so that it can be checked first), so on_computed may then write the
  // parameter; after the report its buffer
  // is reused, and Fetch() of it is FailedPrecondition (FetchTarget() is
  // what on_computed reads). A consumed fetch that is not watched is
  // computed and lost.
  struct ConsumedFetch {
    NodeId fetch;
    std::string parameter;
    NodeId after;  // A fetch, or invalid.
  };
  std::vector<ConsumedFetch> consumed_fetches;
};

// NodeTime: the wall time one scheduled node took, summed over `runs`
// profiled Run()s.
struct NodeTime {
  NodeId id;
  int64_t nanos = 0;
  int64_t runs = 0;
};

class Executor {
 public:
  // Create() compiles `graph` (which must outlive the executor). Errors:
  // FailedPrecondition for an unfinalized graph; InvalidArgument for bad
  // options, fetches not in the graph, or shapes that fail with this batch;
  // ResourceExhausted (naming the node, or the arena and its bytes) when a
  // buffer is too large or cannot be allocated, or when memory_budget_bytes
  // cannot be met (stating the smallest feasible budget).
  static absl::StatusOr<std::unique_ptr<Executor>> Create(
      const Graph& graph, ExecutorOptions options);

  // BindParameters() binds every scheduled parameter to the store's value of
  // the same name (a view, no copy). NotFound if one is missing,
  // InvalidArgument on a shape mismatch. `store` must outlive the executor.
  absl::Status BindParameters(ParameterStore* store);
  // Feed() copies `value` into the input's arena slot. InvalidArgument if
  // `input` is not an input node (naming the node and its op) or the shapes
  // differ (naming the input and both shapes). Feeding
  // an input the fetches do not need is accepted and ignored.
  absl::Status Feed(NodeId input, const Tensor& value);
  // Run() executes the schedule once. Kernel errors are returned with the
  // node name prefixed. Zero heap allocations on success.
  absl::Status Run();
  // Watch() names fetches whose values Run(on_computed) reports as soon as
  // they are final. Calling it again with the same ids keeps the watch (no
  // work); InvalidArgument if one is not a fetch.
  absl::Status Watch(absl::Span<const NodeId> fetches);
  // Run(on_computed) is Run(), calling on_computed(k) right after the node
  // that computes watched fetch k (its index in Watch()'s list) has run, in
  // schedule order, while the rest of the schedule is still to run. A
  // watched value no node computes (a fed input, a parameter) is never
  // reported. An error from on_computed stops the run and is returned.
  // This is how a data-parallel step starts summing a gradient while the
  // reverse pass computes the others.
  absl::Status Run(absl::FunctionRef<absl::Status(int)> on_computed);
  // FetchTarget() is the tensor Fetch() returns, before Run() has filled
  // it: its storage is fixed when the executor is made. InvalidArgument if
  // not a fetch.
  absl::StatusOr<Tensor*> FetchTarget(NodeId node);
  // Fetch() returns a fetched node's value: a view valid until the next Run
  // (or until the executor is destroyed). InvalidArgument if not a fetch.
  absl::StatusOr<const Tensor*> Fetch(NodeId node) const;

  const MemoryPlan& plan() const { return plan_; }
  // graph() is the graph this executor runs: the caller's, or its
  // rematerialized rewrite (see the file comment).
  const Graph& graph() const { return *graph_; }
  // rematerialization() reports what memory_budget_bytes did (all zero but
  // the unbudgeted and planned bytes when the plan already fit; all zero
  // without a budget).
  const RematReport& rematerialization() const { return remat_; }
  // step() is the counter the next Run() passes to random ops (dropout);
  // Run() increments it. set_step() sets it, so a training resumed from a
  // checkpoint draws the same masks as an uninterrupted one.
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }
  // example_offset() is the index, within the step's global batch, of row 0
  // of the batch the following Run()s compute (ForwardContext::
  // example_offset, ops/op.h); 0, the default, for a run over the whole
  // batch. Like set_step(), set_example_offset() applies to the Run() calls
  // that follow. Random ops key their draws by the global row, so runs over
  // the row ranges [0, b1), [b1, b2), ... of a global batch (data-parallel
  // ranks, gradient shards), each with its executor's batch_size and offset
  // b_k, draw per example the dropout masks one run over the whole batch
  // draws. Run() returns InvalidArgument while the offset is negative.
  int64_t example_offset() const { return example_offset_; }
  void set_example_offset(int64_t offset) { example_offset_ = offset; }
  // set_check_numerics() turns ExecutorOptions::check_numerics on or off.
  void set_check_numerics(bool on) { options_.check_numerics = on; }
  // profile() has one entry per scheduled node, in schedule order: its time
  // over the Run()s made with profiling on since the last ResetProfile()
  // (graph/profile.h formats it). set_profile() turns
  // ExecutorOptions::profile on or off.
  const std::vector<NodeTime>& profile() const { return profile_; }
  void set_profile(bool on) { options_.profile = on; }
  void ResetProfile();
  const std::vector<NodeId>& schedule() const { return schedule_; }
  // pool() is the thread pool Run() uses (ExecutorOptions::num_threads), for
  // work the caller does between runs (the optimizer's update).
  ThreadPool* pool() const { return pool_.get(); }
  // shape() is the shape of the caller's node `id` at this batch size.
  const Shape& shape(NodeId id) const { return shapes_[Internal(id).index]; }

 private:
  struct Step {
    NodeId id;
    int input_begin = 0;  // Into inputs_ / const_inputs_.
    int num_inputs = 0;
    float* aux = nullptr;
    uint64_t seed = 0;
    // intermediate: floats of scratch holding an intermediate result after
    // the forward (OpDef::intermediate_floats), scanned by check_numerics.
    int64_t intermediate = 0;
  };

  // Liveness: per node, the last schedule step that reads its output
  // (last_use) and its aux (aux_last, read by its VJP), or -1.
  struct Liveness {
    std::vector<int> last_use;
    std::vector<int> aux_last;
  };
  // BufferIds: per node, the index in plan_.buffers of its output (output)
  // and of its aux (aux), or -1 (parameters, constants, no aux).
  struct BufferIds {
    std::vector<int> output;
    std::vector<int> aux;
  };

  explicit Executor(const Graph& graph) : graph_(&graph) {}

  // Compile() runs the planning phases below (no allocation) for `graph`.
  static absl::StatusOr<std::unique_ptr<Executor>> Compile(
      const Graph& graph, ExecutorOptions options);
  // Rematerialize() rewrites graph_ to meet options_.memory_budget_bytes
  // and recompiles it, keeping the caller's ids in remap_.
  static absl::StatusOr<std::unique_ptr<Executor>> Rematerialize(
      std::unique_ptr<Executor> e);
  // Internal() is the id in graph_ of the caller's node `id` (invalid if
  // out of range).
  NodeId Internal(NodeId id) const;
  // RunSchedule() is Run(), reporting watched values to *on_computed when
  // it is not null.
  absl::Status RunSchedule(
      const absl::FunctionRef<absl::Status(int)>* on_computed);
  // Allocate() allocates the arena and scratch and builds the steps.
  absl::Status Allocate();

  // Create()'s phases, in this order; each uses what the earlier ones set.
  // InferShapes() sets shapes_ at this batch size and collects the needed
  // inputs and parameters; InvalidArgument names the failing node.
  absl::Status InferShapes();
  // ComputeLiveness() finds each value's last reader in schedule_.
  Liveness ComputeLiveness() const;
  // ComputeConsumeSteps() sets consume_step_ from options_.consumed_fetches:
  // the step after which each is reported and its buffer free.
  // InvalidArgument for a fetch or parameter that is not one.
  absl::Status ComputeConsumeSteps(const Liveness& live);
  // PlanBuffers() requests one arena buffer per scheduled output (inputs
  // and fetches live to the end, a consumed fetch to its consume step) and
  // per op aux, in schedule order, plans them (plan_). ResourceExhausted names the node whose buffer is too
  // large. With options_.in_place an in-place op's output shares its
  // input's request (InPlaceInput()), and a view's output (or its VJP's
  // gradient) the request of the tensor it views (ViewInput()).
  absl::StatusOr<BufferIds> PlanBuffers(const Liveness& live);
  // Buffer groups: the nodes planned onto one buffer (views and in-place
  // outputs of a root), with the last step that reads any of them and
  // whether one must outlive the run (a fetch) or the root is not an
  // intermediate (an input). Indexed by the root's node index.
  struct BufferGroups {
    std::vector<int> root;  // Per node.
    std::vector<int> last;
    std::vector<bool> pinned;
  };
  // InPlaceInput() is the input of the op at schedule step k whose buffer
  // its output may take over (every tensor on that buffer is last read at
  // k and none is pinned), or an invalid id.
  NodeId InPlaceInput(int k, const BufferGroups& groups) const;
  // ViewInput() is the tensor whose buffer the view at schedule step k (a
  // view op, or a view op's VJP) takes, or an invalid id.
  NodeId ViewInput(int k) const;
  // AllocateArena() allocates arena_ for plan_; ResourceExhausted with the
  // arena's bytes if it cannot be had.
  absl::Status AllocateArena();
  // AllocateScratch() sizes the one scratch region shared by all steps as
  // the max of OpScratchFloats() over the scheduled forwards and VJPs, and
  // allocates scratch_ (plan_.scratch_bytes); ResourceExhausted with the
  // bytes if it cannot.
  absl::Status AllocateScratch();
  // BindValues() points values_ at the arena (or at a constant's data) and
  // fills plan_.node_bytes.
  void BindValues(const BufferIds& ids);
  // BuildSteps() fills steps_ (seeds, input spans, aux), inputs_,
  // const_inputs_ and profile_.
  void BuildSteps(const BufferIds& ids);

  // InputShapes() is the shapes (shapes_) of node's inputs.
  std::vector<Shape> InputShapes(const Node& node) const;
  // BufferData() is where buffer `buffer` of plan_ starts in arena_.
  float* BufferData(int buffer) const;

  const Graph* graph_;
  std::unique_ptr<const Graph> owned_graph_;  // The rematerialized graph.
  std::vector<NodeId> remap_;  // Caller's id -> graph_'s, or empty.
  RematReport remat_;
  BufferIds ids_;
  ExecutorOptions options_;
  std::vector<NodeId> schedule_;
  std::vector<Shape> shapes_;
  std::vector<Tensor> values_;  // One per graph node (views).
  std::vector<bool> is_fetch_;
  // consume_step_: per node, the schedule step after which a consumed fetch
  // is reported (ExecutorOptions::consumed_fetches), or -1.
  std::vector<int> consume_step_;
  // Watch(): the caller's ids, and (schedule index, watch index) pairs in
  // schedule order.
  std::vector<NodeId> watched_;
  std::vector<std::pair<int, int>> watch_steps_;
  std::vector<Step> steps_;
  std::vector<NodeTime> profile_;            // Parallel to steps_.
  std::vector<Tensor*> inputs_;              // Forward input pointers, flat.
  std::vector<const Tensor*> const_inputs_;  // VJP input pointers, flat.
  std::vector<NodeId> needed_inputs_;
  std::vector<NodeId> needed_params_;
  std::vector<bool> fed_;
  MemoryPlan plan_;
  AlignedFloats arena_;
  AlignedFloats scratch_;
  std::unique_ptr<ThreadPool> pool_;
  bool params_bound_ = false;
  bool has_run_ = false;
  int64_t step_ = 0;
  int64_t example_offset_ = 0;
};

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_EXECUTOR_H_
