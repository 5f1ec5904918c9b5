#include "graph/executor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "core/status_macros.h"
#include "graph/schedule.h"

namespace dagrad {
namespace {

// NodeSeed() is node `node`'s seed: output `node` of a SplitMix64 generator
// started at the run's `seed` (core/random.h).
uint64_t NodeSeed(uint64_t seed, uint64_t node) {
  return SplitMix64(seed + kSplitMix64Gamma * node);
}

std::string Where(const Node& node) {
  return node.def == nullptr
             ? absl::StrCat("node '", node.name, "'")
             : absl::StrCat("node '", node.name, "' (", node.def->name(), ")");
}

// CheckOptions() validates what Create() can check before touching the
// graph's nodes.
absl::Status CheckOptions(const Graph& graph, const ExecutorOptions& options) {
  if (!graph.finalized()) {
    return absl::FailedPreconditionError(
        "Executor::Create: the graph is not finalized (use "
        "GraphBuilder::Finalize())");
  }
  if (options.batch_size < 1 || options.num_threads < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Executor::Create: batch_size ", options.batch_size,
        " and num_threads ", options.num_threads, " must be >= 1"));
  }
  if (options.fetches.empty()) {
    return absl::InvalidArgumentError("Executor::Create: no fetches");
  }
  return absl::OkStatus();
}

// MapConsumedFetches() points o's consumed fetches at o's fetches: the one
// at the position of the fetch in `caller` (o's fetches are caller's in a
// rewritten graph). A consumed fetch not in `caller` is left for Compile()
// to reject.
void MapConsumedFetches(absl::Span<const NodeId> caller, ExecutorOptions* o) {
  auto map = [&](NodeId* id) {
    const auto it = std::find(caller.begin(), caller.end(), *id);
    if (it != caller.end()) *id = o->fetches[it - caller.begin()];
  };
  for (ExecutorOptions::ConsumedFetch& c : o->consumed_fetches) {
    map(&c.fetch);
    if (c.after.valid()) map(&c.after);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Executor>> Executor::Compile(
    const Graph& graph, ExecutorOptions options) {
  std::unique_ptr<Executor> e(new Executor(graph));
  ASSIGN_OR_RETURN(e->schedule_, PruneToFetches(graph, options.fetches));
  const int n = graph.num_nodes();
  e->options_ = std::move(options);
  e->shapes_.assign(n, Shape());
  e->values_.resize(n);
  e->is_fetch_.assign(n, false);
  e->fed_.assign(n, false);
  for (NodeId f : e->options_.fetches) e->is_fetch_[f.index] = true;
  RETURN_IF_ERROR(e->InferShapes());
  const Liveness live = e->ComputeLiveness();
  RETURN_IF_ERROR(e->ComputeConsumeSteps(live));
  ASSIGN_OR_RETURN(e->ids_, e->PlanBuffers(live));
  return e;
}

absl::StatusOr<std::unique_ptr<Executor>> Executor::Rematerialize(
    std::unique_ptr<Executor> e) {
  const ExecutorOptions& options = e->options_;
  const GraphPlanner planner =
      [&options](
          const Graph& g,
          absl::Span<const NodeId> fetches) -> absl::StatusOr<GraphArena> {
    ExecutorOptions o = options;
    o.fetches.assign(fetches.begin(), fetches.end());
    MapConsumedFetches(options.fetches, &o);
    ASSIGN_OR_RETURN(std::unique_ptr<Executor> c, Compile(g, std::move(o)));
    return GraphArena{c->plan_.peak_bytes, std::move(c->shapes_)};
  };
  const Graph& caller = *e->graph_;
  ASSIGN_OR_RETURN(RematResult r, ::dagrad::Rematerialize(
                                      caller, options.fetches,
                                      options.memory_budget_bytes, planner));
  if (!r.pass.changed()) {
    e->remat_ = r.report;
    return e;
  }
  auto owned = std::make_unique<const Graph>(std::move(r.pass.graph));
  ExecutorOptions o = options;
  for (NodeId& f : o.fetches) f = r.pass.remap[f.index];
  MapConsumedFetches(options.fetches, &o);
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> now, Compile(*owned, o));
  now->owned_graph_ = std::move(owned);
  now->remap_ = std::move(r.pass.remap);
  now->remat_ = r.report;
  return now;
}

absl::StatusOr<std::unique_ptr<Executor>> Executor::Create(
    const Graph& graph, ExecutorOptions options) {
  RETURN_IF_ERROR(CheckOptions(graph, options));
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> e,
                   Compile(graph, std::move(options)));
  if (e->options_.memory_budget_bytes > 0) {
    ASSIGN_OR_RETURN(e, Rematerialize(std::move(e)));
  }
  RETURN_IF_ERROR(e->Allocate());
  return e;
}

absl::Status Executor::Allocate() {
  RETURN_IF_ERROR(AllocateArena());
  RETURN_IF_ERROR(AllocateScratch());
  BindValues(ids_);
  BuildSteps(ids_);
  pool_ = std::make_unique<ThreadPool>(options_.num_threads);
  return absl::OkStatus();
}

NodeId Executor::Internal(NodeId id) const {
  if (remap_.empty()) return graph_->Contains(id) ? id : NodeId{};
  if (id.index < 0 || id.index >= static_cast<int>(remap_.size())) {
    return NodeId{};
  }
  return remap_[id.index];
}

absl::Status Executor::InferShapes() {
  for (NodeId id : schedule_) {
    const Node& node = graph_->node(id);
    Shape& s = shapes_[id.index];
    switch (node.type) {
      case NodeType::kInput:
        s = node.shape;
        if (s.rank() > 0 && s.dim(0) == Shape::kUnknownDim) {
          s.set_dim(0, options_.batch_size);
        }
        needed_inputs_.push_back(id);
        break;
      case NodeType::kParameter:
        s = node.shape;
        needed_params_.push_back(id);
        break;
      case NodeType::kConstant:
        s = node.shape;
        break;
      case NodeType::kOp: {
        ASSIGN_OR_RETURN(s, InferOpShape(*node.def, node.attrs,
                                         InputShapes(node), node.name));
        if (!s.is_fully_defined()) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(node), ": output shape ", s.DebugString(),
              " is not fully defined at batch size ", options_.batch_size));
        }
        break;
      }
      case NodeType::kVjp: {
        const Node& fwd = graph_->node(node.forward);
        s = shapes_[fwd.inputs[node.wrt].index];
        break;
      }
    }
  }
  return absl::OkStatus();
}

std::vector<Shape> Executor::InputShapes(const Node& node) const {
  std::vector<Shape> in;
  for (NodeId i : node.inputs) in.push_back(shapes_[i.index]);
  return in;
}

Executor::Liveness Executor::ComputeLiveness() const {
  const int n = graph_->num_nodes();
  Liveness live;
  live.last_use.assign(n, -1);
  live.aux_last.assign(n, -1);
  for (int k = 0; k < static_cast<int>(schedule_.size()); ++k) {
    const Node& node = graph_->node(schedule_[k]);
    for (NodeId d : node.inputs) live.last_use[d.index] = k;
    if (node.type == NodeType::kVjp) live.aux_last[node.forward.index] = k;
  }
  return live;
}

absl::Status Executor::ComputeConsumeSteps(const Liveness& live) {
  consume_step_.assign(graph_->num_nodes(), -1);
  for (const ExecutorOptions::ConsumedFetch& c : options_.consumed_fetches) {
    for (NodeId id : {c.fetch, c.after}) {
      if (id == c.after && !id.valid()) continue;
      if (!graph_->Contains(id) || !is_fetch_[id.index]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Executor::Create: consumed fetch node id ", id.index,
            " is not one of the fetches"));
      }
    }
    // The last step that writes a value (a rematerialized graph may compute
    // a forward value twice), or -1.
    auto last_write = [&](NodeId id) {
      const auto it = std::find(schedule_.rbegin(), schedule_.rend(), id);
      return static_cast<int>(schedule_.rend() - it) - 1;
    };
    const auto param = std::find_if(
        schedule_.begin(), schedule_.end(), [&](NodeId id) {
          const Node& node = graph_->node(id);
          return node.type == NodeType::kParameter && node.name == c.parameter;
        });
    if (param == schedule_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Executor::Create: consumed fetch '", graph_->node(c.fetch).name,
          "' names parameter '", c.parameter,
          "', which is not a parameter the fetches need"));
    }
    const int written = last_write(c.fetch);
    int step = std::max(written, live.last_use[param->index]);
    if (c.after.valid()) step = std::max(step, last_write(c.after));
    consume_step_[c.fetch.index] = step;
  }
  return absl::OkStatus();
}

absl::StatusOr<Executor::BufferIds> Executor::PlanBuffers(
    const Liveness& live) {
  const int n = graph_->num_nodes();
  const int num_steps = static_cast<int>(schedule_.size());
  std::vector<BufferRequest> requests;
  BufferIds ids;
  ids.output.assign(n, -1);
  ids.aux.assign(n, -1);
  BufferGroups groups;
  groups.root.assign(n, -1);
  groups.last.assign(n, -1);
  groups.pinned.assign(n, false);
  for (int k = 0; k < num_steps; ++k) {
    const NodeId id = schedule_[k];
    const Node& node = graph_->node(id);
    if (node.type == NodeType::kParameter || node.type == NodeType::kConstant) {
      continue;
    }
    BufferRequest r;
    ASSIGN_OR_RETURN(
        const int64_t count,
        CheckedNumElements(shapes_[id.index],
                           absl::StrCat("Executor::Create: ", Where(node),
                                        " at batch ", options_.batch_size)));
    r.bytes = count * 4;
    r.first = node.type == NodeType::kInput ? 0 : k;
    r.last = std::max(k, live.last_use[id.index]);
    if (node.type == NodeType::kInput || is_fetch_[id.index]) {
      r.last = num_steps;  // Feeds persist; fetches outlive the run.
    }
    if (consume_step_[id.index] >= 0) {
      // Read by the caller right after its consume step, not later.
      r.last = std::max({k, live.last_use[id.index], consume_step_[id.index]});
    }
    r.name = node.name;
    NodeId from = InPlaceInput(k, groups);
    if (!from.valid()) from = ViewInput(k);
    int root = id.index;
    if (from.valid() && ids.output[from.index] >= 0) {
      r.share = ids.output[from.index];
      root = groups.root[from.index];
    }
    groups.root[id.index] = root;
    groups.last[root] = std::max(groups.last[root], r.last);
    const bool intermediate =
        node.type == NodeType::kOp || node.type == NodeType::kVjp;
    if (is_fetch_[id.index] || (root == id.index && !intermediate)) {
      groups.pinned[root] = true;
    }
    ids.output[id.index] = static_cast<int>(requests.size());
    requests.push_back(std::move(r));
    if (node.type != NodeType::kOp) continue;
    const std::vector<Shape> in = InputShapes(node);
    const ShapeQuery q{in, shapes_[id.index], node.attrs, options_.num_threads};
    const int64_t aux_floats = OpAuxFloats(*node.def, q);
    if (aux_floats > 0) {
      BufferRequest a;
      a.bytes = aux_floats * 4;
      a.first = k;
      a.last = std::max(k, live.aux_last[id.index]);
      a.name = absl::StrCat(node.name, ":aux");
      ids.aux[id.index] = static_cast<int>(requests.size());
      requests.push_back(std::move(a));
    }
  }
  plan_ = PlanMemory(std::move(requests), options_.plan_memory);
  plan_.node_bytes.assign(n, 0);
  return ids;
}

NodeId Executor::InPlaceInput(int k, const BufferGroups& groups) const {
  const NodeId id = schedule_[k];
  const Node& node = graph_->node(id);
  if (!options_.in_place || !options_.plan_memory ||
      node.type != NodeType::kOp || !node.def->in_place ||
      is_fetch_[id.index]) {
    return NodeId{};
  }
  for (NodeId in : node.inputs) {
    if (shapes_[in.index] != shapes_[id.index]) return NodeId{};
  }
  for (NodeId in : node.inputs) {
    const int root = groups.root[in.index];
    if (root < 0) continue;  // A parameter or constant: not in the arena.
    // Read once: no other input of the op is on that buffer either.
    const int reads = static_cast<int>(
        std::count_if(node.inputs.begin(), node.inputs.end(),
                      [&](NodeId i) { return groups.root[i.index] == root; }));
    if (reads == 1 && !groups.pinned[root] && groups.last[root] == k) {
      return in;
    }
  }
  return NodeId{};
}

NodeId Executor::ViewInput(int k) const {
  const Node& node = graph_->node(schedule_[k]);
  if (!options_.in_place || !options_.plan_memory) return NodeId{};
  const bool view =
      (node.type == NodeType::kOp && node.def->view) ||
      (node.type == NodeType::kVjp && graph_->node(node.forward).def->view);
  if (!view || node.inputs.empty()) return NodeId{};
  // A view op's input 0 is what it views; a VJP's input 0 is dL/dy.
  const NodeId in = node.inputs[0];
  return shapes_[in.index].num_elements() ==
                 shapes_[schedule_[k].index].num_elements()
             ? in
             : NodeId{};
}

absl::Status Executor::AllocateArena() {
  ASSIGN_OR_RETURN(
      arena_,
      TryAllocateAligned(std::max<int64_t>(plan_.peak_bytes / 4, 16),
                         absl::StrCat("Executor::Create: the planned arena of ",
                                      plan_.peak_bytes, " bytes at batch ",
                                      options_.batch_size)));
  return absl::OkStatus();
}

absl::Status Executor::AllocateScratch() {
  int64_t scratch_floats = 0;
  for (NodeId id : schedule_) {
    const Node& node = graph_->node(id);
    if (node.type != NodeType::kOp && node.type != NodeType::kVjp) continue;
    const bool is_op = node.type == NodeType::kOp;
    const NodeId fwd_id = is_op ? id : node.forward;
    const Node& fwd = graph_->node(fwd_id);
    const std::vector<Shape> in = InputShapes(fwd);
    const ShapeQuery q{in, shapes_[fwd_id.index], fwd.attrs,
                       options_.num_threads};
    scratch_floats = std::max(
        scratch_floats, OpScratchFloats(*node.def, q, is_op ? -1 : node.wrt));
  }
  plan_.scratch_bytes = RoundUpToAlignment(scratch_floats * 4);
  if (scratch_floats == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      scratch_,
      TryAllocateAligned(scratch_floats,
                         absl::StrCat("Executor::Create: the scratch region at "
                                      "batch ",
                                      options_.batch_size)));
  return absl::OkStatus();
}

float* Executor::BufferData(int buffer) const {
  char* base = reinterpret_cast<char*>(arena_.get());
  return reinterpret_cast<float*>(base + plan_.offsets[buffer]);
}

void Executor::BindValues(const BufferIds& ids) {
  for (NodeId id : schedule_) {
    const Node& node = graph_->node(id);
    const int b = ids.output[id.index];
    if (b >= 0) {
      values_[id.index] = Tensor::View(shapes_[id.index], BufferData(b));
      plan_.node_bytes[id.index] = plan_.buffers[b].bytes;
    } else if (node.type == NodeType::kConstant) {
      values_[id.index] =
          Tensor::View(node.shape, const_cast<float*>(node.constant->data()));
    }
  }
}

void Executor::BuildSteps(const BufferIds& ids) {
  for (NodeId id : schedule_) {
    const Node& node = graph_->node(id);
    Step st;
    st.id = id;
    // Seeded by the id as built, so rewritten graphs draw the same masks.
    const int32_t origin = node.origin >= 0 ? node.origin : id.index;
    st.seed = NodeSeed(options_.seed, static_cast<uint64_t>(origin));
    if (node.type == NodeType::kOp) {
      st.input_begin = static_cast<int>(inputs_.size());
      st.num_inputs = static_cast<int>(node.inputs.size());
      for (NodeId i : node.inputs) inputs_.push_back(&values_[i.index]);
      if (ids.aux[id.index] >= 0) st.aux = BufferData(ids.aux[id.index]);
      if (node.def->intermediate_floats != nullptr) {
        const std::vector<Shape> in = InputShapes(node);
        const ShapeQuery q{in, shapes_[id.index], node.attrs,
                           options_.num_threads};
        st.intermediate = node.def->intermediate_floats(q);
      }
    } else if (node.type == NodeType::kVjp) {
      // The forward's inputs as the VJP node lists them (after its
      // gradient; graph/graph.h), which rematerialization may redirect.
      const Node& fwd = graph_->node(node.forward);
      st.input_begin = static_cast<int>(const_inputs_.size());
      st.num_inputs = static_cast<int>(fwd.inputs.size());
      const bool uses_inputs = OpVjpUses(*fwd.def, fwd.attrs) & kVjpUsesInputs;
      for (int i = 0; i < st.num_inputs; ++i) {
        const_inputs_.push_back(uses_inputs ? &values_[node.inputs[1 + i].index]
                                            : nullptr);
      }
      const int aux = ids.aux[node.forward.index];
      if (aux >= 0) st.aux = BufferData(aux);
    }
    steps_.push_back(st);
    profile_.push_back(NodeTime{st.id, 0, 0});
  }
}

absl::Status Executor::BindParameters(ParameterStore* store) {
  for (NodeId id : needed_params_) {
    const Node& node = graph_->node(id);
    Tensor* value = store->Find(node.name);
    if (value == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "parameter '", node.name, "' is not in the ParameterStore"));
    }
    if (value->shape() != node.shape) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter '", node.name, "': store value has shape ",
                       value->shape().DebugString(), ", graph expects ",
                       node.shape.DebugString()));
    }
  }
  for (NodeId id : needed_params_) {
    Tensor* value = store->Find(graph_->node(id).name);
    values_[id.index] = Tensor::View(value->shape(), value->data());
  }
  params_bound_ = true;
  return absl::OkStatus();
}

absl::Status Executor::Feed(NodeId caller_input, const Tensor& value) {
  const NodeId input = Internal(caller_input);
  if (!input.valid()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Feed: node id ", caller_input.index, " is not in the graph (",
        remap_.empty() ? graph_->num_nodes() : remap_.size(), " nodes)"));
  }
  if (graph_->node(input).type != NodeType::kInput) {
    return absl::InvalidArgumentError(
        absl::StrCat("Feed: ", Where(graph_->node(input)),
                     " is not an input; only input nodes are fed"));
  }
  const Node& node = graph_->node(input);
  if (std::find(needed_inputs_.begin(), needed_inputs_.end(), input) ==
      needed_inputs_.end()) {
    return absl::OkStatus();  // Not needed by the fetches.
  }
  if (value.shape() != shapes_[input.index]) {
    return absl::InvalidArgumentError(
        absl::StrCat("Feed: input '", node.name, "' expects shape ",
                     shapes_[input.index].DebugString(), " (declared ",
                     node.shape.DebugString(), ", batch ", options_.batch_size,
                     "), got ", value.shape().DebugString()));
  }
  values_[input.index].CopyFrom(value);
  fed_[input.index] = true;
  return absl::OkStatus();
}

namespace {

// CheckFinite() is the check_numerics test of `size` floats of one node's
// output (`shape` set) or of its intermediate result (`shape` null).
absl::Status CheckFinite(const Node& node, const float* data, int64_t size,
                         const Shape* shape) {
  for (int64_t i = 0; i < size; ++i) {
    if (!std::isfinite(data[i])) {
      const std::string what =
          shape != nullptr ? absl::StrCat("output ", shape->DebugString())
                           : std::string("intermediate result");
      return absl::InvalidArgumentError(absl::StrCat(
          "check_numerics: ", Where(node), " ", what, " holds ", data[i],
          " at element ", i,
          node.is_reverse() ? " (reverse pass)" : " (forward pass)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Executor::Run() { return RunSchedule(nullptr); }

absl::Status Executor::Run(absl::FunctionRef<absl::Status(int)> on_computed) {
  return RunSchedule(&on_computed);
}

absl::Status Executor::Watch(absl::Span<const NodeId> fetches) {
  if (std::equal(fetches.begin(), fetches.end(), watched_.begin(),
                 watched_.end(), [](NodeId a, NodeId b) {
                   return a.index == b.index;
                 })) {
    return absl::OkStatus();
  }
  std::vector<std::pair<int, int>> steps;
  for (size_t k = 0; k < fetches.size(); ++k) {
    const NodeId node = Internal(fetches[k]);
    if (!node.valid() || !is_fetch_[node.index]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Watch: node id ", fetches[k].index, " is not one of the fetches"));
    }
    if (consume_step_[node.index] >= 0) {
      steps.emplace_back(consume_step_[node.index], static_cast<int>(k));
      continue;
    }
    // The last step that writes the value (a rematerialized graph may
    // compute a forward value twice).
    for (size_t si = steps_.size(); si-- > 0;) {
      if (steps_[si].id.index == node.index) {
        steps.emplace_back(static_cast<int>(si), static_cast<int>(k));
        break;
      }
    }
  }
  std::sort(steps.begin(), steps.end());
  watched_.assign(fetches.begin(), fetches.end());
  watch_steps_ = std::move(steps);
  return absl::OkStatus();
}

absl::StatusOr<Tensor*> Executor::FetchTarget(NodeId caller_node) {
  const NodeId node = Internal(caller_node);
  if (!node.valid() || !is_fetch_[node.index]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "FetchTarget: node id ", caller_node.index,
        " is not one of the fetches"));
  }
  return &values_[node.index];
}

absl::Status Executor::RunSchedule(
    const absl::FunctionRef<absl::Status(int)>* on_computed) {
  if (!params_bound_ && !needed_params_.empty()) {
    return absl::FailedPreconditionError(
        "Executor::Run: BindParameters() was not called");
  }
  for (NodeId id : needed_inputs_) {
    if (!fed_[id.index]) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Executor::Run: input '", graph_->node(id).name, "' was not fed"));
    }
  }
  if (example_offset_ < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Executor::Run: example_offset ", example_offset_, " is negative"));
  }
  const uint64_t step = static_cast<uint64_t>(step_);
  const bool profile = options_.profile;
  size_t next_watch = 0;  // Into watch_steps_.
  for (size_t si = 0; si < steps_.size(); ++si) {
    const Step& st = steps_[si];
    const Node& node = graph_->node(st.id);
    const auto start = profile ? std::chrono::steady_clock::now()
                               : std::chrono::steady_clock::time_point();
    Tensor* out = &values_[st.id.index];
    switch (node.type) {
      case NodeType::kOp: {
        ForwardContext ctx{absl::Span<Tensor* const>(
                               inputs_.data() + st.input_begin, st.num_inputs),
                           out,
                           node.attrs,
                           st.aux,
                           scratch_.get(),
                           pool_.get(),
                           options_.training,
                           st.seed,
                           step,
                           example_offset_};
        absl::Status s = node.def->forward(ctx);
        if (!s.ok()) {
          return absl::Status(s.code(),
                              absl::StrCat(Where(node), ": ", s.message()));
        }
        break;
      }
      case NodeType::kVjp: {
        const Node& fwd = graph_->node(node.forward);
        const bool uses_output =
            OpVjpUses(*fwd.def, fwd.attrs) & kVjpUsesOutput;
        VjpContext ctx{
            absl::Span<const Tensor* const>(
                const_inputs_.data() + st.input_begin, st.num_inputs),
            uses_output ? &values_[node.inputs.back().index] : nullptr,
            values_[node.inputs[0].index],
            node.attrs,
            st.aux,
            scratch_.get(),
            pool_.get(),
            options_.training,
            node.wrt,
            out};
        node.def->vjp(ctx);
        break;
      }
      default:
        break;
    }
    if (profile) {
      NodeTime& nt = profile_[si];
      nt.nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
      ++nt.runs;
    }
    if (options_.check_numerics) {
      if (st.intermediate > 0) {
        RETURN_IF_ERROR(
            CheckFinite(node, scratch_.get(), st.intermediate, nullptr));
      }
      RETURN_IF_ERROR(
          CheckFinite(node, out->data(), out->size(), &out->shape()));
    }
    if (on_computed != nullptr) {
      for (; next_watch < watch_steps_.size() &&
             watch_steps_[next_watch].first == static_cast<int>(si);
           ++next_watch) {
        RETURN_IF_ERROR((*on_computed)(watch_steps_[next_watch].second));
      }
    }
  }
  ++step_;
  has_run_ = true;
  return absl::OkStatus();
}

void Executor::ResetProfile() {
  for (NodeTime& nt : profile_) {
    nt.nanos = 0;
    nt.runs = 0;
  }
}

absl::StatusOr<const Tensor*> Executor::Fetch(NodeId caller_node) const {
  const NodeId node = Internal(caller_node);
  if (!node.valid() || !is_fetch_[node.index]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Fetch: node id ", caller_node.index, " is not one of the fetches"));
  }
  if (!has_run_) {
    return absl::FailedPreconditionError("Fetch: Run() has not been called");
  }
  if (consume_step_[node.index] >= 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Fetch: '", graph_->node(node).name,
        "' is a consumed fetch, read only during Run(on_computed)"));
  }
  return &values_[node.index];
}

}  // namespace dagrad
