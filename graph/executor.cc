#include "graph/executor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "graph/schedule.h"

namespace dagrad {
namespace {

uint64_t MixSeed(uint64_t seed, uint64_t node) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (node + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string Where(const Node& node) {
  return node.def == nullptr
             ? absl::StrCat("node '", node.name, "'")
             : absl::StrCat("node '", node.name, "' (", node.def->name(), ")");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Executor>> Executor::Create(
    const Graph& graph, ExecutorOptions options) {
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
  std::unique_ptr<Executor> e(new Executor(graph));
  ASSIGN_OR_RETURN(e->schedule_, PruneToFetches(graph, options.fetches));
  const int n = graph.num_nodes();
  e->options_ = std::move(options);
  e->shapes_.assign(n, Shape());
  e->values_.resize(n);
  e->is_fetch_.assign(n, false);
  e->fed_.assign(n, false);
  for (NodeId f : e->options_.fetches) e->is_fetch_[f.index] = true;

  // 1. Shapes at this batch size.
  for (NodeId id : e->schedule_) {
    const Node& node = graph.node(id);
    Shape& s = e->shapes_[id.index];
    switch (node.type) {
      case NodeType::kInput:
        s = node.shape;
        if (s.rank() > 0 && s.dim(0) == Shape::kUnknownDim) {
          s.set_dim(0, e->options_.batch_size);
        }
        e->needed_inputs_.push_back(id);
        break;
      case NodeType::kParameter:
        s = node.shape;
        e->needed_params_.push_back(id);
        break;
      case NodeType::kConstant:
        s = node.shape;
        break;
      case NodeType::kOp: {
        std::vector<Shape> in;
        for (NodeId i : node.inputs) in.push_back(e->shapes_[i.index]);
        ASSIGN_OR_RETURN(s, InferOpShape(*node.def, node.attrs, in, node.name));
        if (!s.is_fully_defined()) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(node), ": output shape ", s.DebugString(),
              " is not fully defined at batch size ",
              e->options_.batch_size));
        }
        break;
      }
      case NodeType::kVjp: {
        const Node& fwd = graph.node(node.forward);
        s = e->shapes_[fwd.inputs[node.wrt].index];
        break;
      }
      case NodeType::kAccumulate:
        s = e->shapes_[node.inputs[0].index];
        if (s != e->shapes_[node.inputs[1].index]) {
          return absl::InvalidArgumentError(
              absl::StrCat(Where(node), ": accumulated shapes differ"));
        }
        break;
    }
  }

  // 2. Liveness. step_of[node] = position in the schedule.
  const int num_steps = static_cast<int>(e->schedule_.size());
  std::vector<int> step_of(n, -1);
  for (int k = 0; k < num_steps; ++k) step_of[e->schedule_[k].index] = k;
  std::vector<int> last_use(n, -1), aux_last(n, -1);
  for (int k = 0; k < num_steps; ++k) {
    const Node& node = graph.node(e->schedule_[k]);
    for (NodeId d : node.inputs) last_use[d.index] = k;
    if (node.type == NodeType::kVjp) aux_last[node.forward.index] = k;
  }
  std::vector<BufferRequest> requests;
  std::vector<int> out_buffer(n, -1), aux_buffer(n, -1);
  std::vector<int64_t> aux_floats(n, 0);
  int64_t scratch_floats = 0;
  const int threads = e->options_.num_threads;
  for (int k = 0; k < num_steps; ++k) {
    const NodeId id = e->schedule_[k];
    const Node& node = graph.node(id);
    if (node.type == NodeType::kParameter || node.type == NodeType::kConstant) {
      continue;
    }
    BufferRequest r;
    r.bytes = e->shapes_[id.index].num_elements() * 4;
    r.first = node.type == NodeType::kInput ? 0 : k;
    r.last = std::max(k, last_use[id.index]);
    if (node.type == NodeType::kInput || e->is_fetch_[id.index]) {
      r.last = num_steps;  // Feeds persist; fetches outlive the run.
    }
    r.name = node.name;
    out_buffer[id.index] = static_cast<int>(requests.size());
    requests.push_back(std::move(r));
    if (node.type == NodeType::kOp || node.type == NodeType::kVjp) {
      const Node& fwd =
          node.type == NodeType::kOp ? node : graph.node(node.forward);
      std::vector<Shape> in;
      for (NodeId i : fwd.inputs) in.push_back(e->shapes_[i.index]);
      ShapeQuery q{in, e->shapes_[node.type == NodeType::kOp
                                      ? id.index
                                      : node.forward.index],
                   fwd.attrs, threads};
      if (node.def->scratch_floats != nullptr) {
        scratch_floats = std::max(
            scratch_floats,
            node.def->scratch_floats(
                q, node.type == NodeType::kOp ? -1 : node.wrt));
      }
      if (node.type == NodeType::kOp && node.def->aux_floats != nullptr) {
        aux_floats[id.index] = node.def->aux_floats(q);
        if (aux_floats[id.index] > 0) {
          BufferRequest a;
          a.bytes = aux_floats[id.index] * 4;
          a.first = k;
          a.last = std::max(k, aux_last[id.index]);
          a.name = absl::StrCat(node.name, ":aux");
          aux_buffer[id.index] = static_cast<int>(requests.size());
          requests.push_back(std::move(a));
        }
      }
    }
  }
  e->plan_ = PlanMemory(std::move(requests), e->options_.plan_memory);
  e->plan_.scratch_bytes = RoundUpToAlignment(scratch_floats * 4);
  e->plan_.node_bytes.assign(n, 0);
  e->arena_ = AllocateAligned(std::max<int64_t>(e->plan_.peak_bytes / 4, 16));
  if (scratch_floats > 0) e->scratch_ = AllocateAligned(scratch_floats);

  // 3. Values (views) and steps.
  char* base = reinterpret_cast<char*>(e->arena_.get());
  for (int k = 0; k < num_steps; ++k) {
    const NodeId id = e->schedule_[k];
    const Node& node = graph.node(id);
    if (out_buffer[id.index] >= 0) {
      const int b = out_buffer[id.index];
      e->values_[id.index] = Tensor::View(
          e->shapes_[id.index],
          reinterpret_cast<float*>(base + e->plan_.offsets[b]));
      e->plan_.node_bytes[id.index] = e->plan_.buffers[b].bytes;
    } else if (node.type == NodeType::kConstant) {
      e->values_[id.index] = Tensor::View(
          node.shape, const_cast<float*>(node.constant->data()));
    }
  }
  for (int k = 0; k < num_steps; ++k) {
    const NodeId id = e->schedule_[k];
    const Node& node = graph.node(id);
    Step st;
    st.id = id;
    st.seed = MixSeed(e->options_.seed, static_cast<uint64_t>(id.index));
    if (node.type == NodeType::kOp) {
      st.input_begin = static_cast<int>(e->inputs_.size());
      st.num_inputs = static_cast<int>(node.inputs.size());
      for (NodeId i : node.inputs) e->inputs_.push_back(&e->values_[i.index]);
      if (aux_buffer[id.index] >= 0) {
        st.aux = reinterpret_cast<float*>(
            base + e->plan_.offsets[aux_buffer[id.index]]);
      }
    } else if (node.type == NodeType::kVjp) {
      const Node& fwd = graph.node(node.forward);
      st.input_begin = static_cast<int>(e->const_inputs_.size());
      st.num_inputs = static_cast<int>(fwd.inputs.size());
      const bool uses_inputs = fwd.def->vjp_uses & kVjpUsesInputs;
      for (NodeId i : fwd.inputs) {
        e->const_inputs_.push_back(uses_inputs ? &e->values_[i.index]
                                               : nullptr);
      }
      if (aux_buffer[node.forward.index] >= 0) {
        st.aux = reinterpret_cast<float*>(
            base + e->plan_.offsets[aux_buffer[node.forward.index]]);
      }
    }
    e->steps_.push_back(st);
    e->profile_.push_back(NodeTime{st.id, 0, 0});
  }
  e->pool_ = std::make_unique<ThreadPool>(threads);
  return e;
}

absl::Status Executor::BindParameters(ParameterStore* store) {
  for (NodeId id : needed_params_) {
    const Node& node = graph_.node(id);
    Tensor* value = store->Find(node.name);
    if (value == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "parameter '", node.name, "' is not in the ParameterStore"));
    }
    if (value->shape() != node.shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter '", node.name, "': store value has shape ",
          value->shape().DebugString(), ", graph expects ",
          node.shape.DebugString()));
    }
  }
  for (NodeId id : needed_params_) {
    Tensor* value = store->Find(graph_.node(id).name);
    values_[id.index] = Tensor::View(value->shape(), value->data());
  }
  params_bound_ = true;
  return absl::OkStatus();
}

absl::Status Executor::Feed(NodeId input, const Tensor& value) {
  if (!graph_.Contains(input) ||
      graph_.node(input).type != NodeType::kInput) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Feed: node id ", input.index, " is not an input of the graph"));
  }
  const Node& node = graph_.node(input);
  if (std::find(needed_inputs_.begin(), needed_inputs_.end(), input) ==
      needed_inputs_.end()) {
    return absl::OkStatus();  // Not needed by the fetches.
  }
  if (value.shape() != shapes_[input.index]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Feed: input '", node.name, "' expects shape ",
        shapes_[input.index].DebugString(), " (declared ",
        node.shape.DebugString(), ", batch ", options_.batch_size,
        "), got ", value.shape().DebugString()));
  }
  values_[input.index].CopyFrom(value);
  fed_[input.index] = true;
  return absl::OkStatus();
}

namespace {

// CheckFinite() is the check_numerics test of one node's output.
absl::Status CheckFinite(const Node& node, const Tensor& out) {
  const float* data = out.data();
  const int64_t size = out.size();
  for (int64_t i = 0; i < size; ++i) {
    if (!std::isfinite(data[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "check_numerics: ", Where(node), " output ",
          out.shape().DebugString(), " holds ", data[i], " at element ", i,
          node.is_reverse() ? " (reverse pass)" : " (forward pass)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Executor::Run() {
  if (!params_bound_ && !needed_params_.empty()) {
    return absl::FailedPreconditionError(
        "Executor::Run: BindParameters() was not called");
  }
  for (NodeId id : needed_inputs_) {
    if (!fed_[id.index]) {
      return absl::FailedPreconditionError(
          absl::StrCat("Executor::Run: input '", graph_.node(id).name,
                       "' was not fed"));
    }
  }
  const uint64_t step = static_cast<uint64_t>(step_);
  const bool profile = options_.profile;
  for (size_t si = 0; si < steps_.size(); ++si) {
    const Step& st = steps_[si];
    const Node& node = graph_.node(st.id);
    const auto start = profile ? std::chrono::steady_clock::now()
                               : std::chrono::steady_clock::time_point();
    Tensor* out = &values_[st.id.index];
    switch (node.type) {
      case NodeType::kOp: {
        ForwardContext ctx{
            absl::Span<Tensor* const>(inputs_.data() + st.input_begin,
                                      st.num_inputs),
            out,
            node.attrs,
            st.aux,
            scratch_.get(),
            pool_.get(),
            options_.training,
            st.seed,
            step};
        absl::Status s = node.def->forward(ctx);
        if (!s.ok()) {
          return absl::Status(s.code(),
                              absl::StrCat(Where(node), ": ", s.message()));
        }
        break;
      }
      case NodeType::kVjp: {
        const Node& fwd = graph_.node(node.forward);
        const bool uses_output = fwd.def->vjp_uses & kVjpUsesOutput;
        VjpContext ctx{
            absl::Span<const Tensor* const>(
                const_inputs_.data() + st.input_begin, st.num_inputs),
            uses_output ? &values_[node.forward.index] : nullptr,
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
      case NodeType::kAccumulate: {
        const float* a = values_[node.inputs[0].index].data();
        const float* b = values_[node.inputs[1].index].data();
        float* y = out->data();
        const int64_t size = out->size();
        for (int64_t i = 0; i < size; ++i) y[i] = a[i] + b[i];
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
    if (options_.check_numerics) RETURN_IF_ERROR(CheckFinite(node, *out));
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

absl::StatusOr<const Tensor*> Executor::Fetch(NodeId node) const {
  if (!graph_.Contains(node) || !is_fetch_[node.index]) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Fetch: node id ", node.index, " is not one of the fetches"));
  }
  if (!has_run_) {
    return absl::FailedPreconditionError("Fetch: Run() has not been called");
  }
  return &values_[node.index];
}

}  // namespace dagrad
