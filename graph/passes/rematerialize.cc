#include "graph/passes/rematerialize.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

// Rewrite is RecomputeNodes()' walk: old nodes in id order, reverse nodes
// reading duplicates that are made on first use.
class Rewrite {
 public:
  Rewrite(const Graph& old, const std::vector<bool>& recompute)
      : r_(old, kRematerializePass),
        recompute_(recompute),
        clone_(old.num_nodes()) {}

  absl::StatusOr<PassResult> Run() {
    const Graph& old = r_.old();
    for (int i = 0; i < old.num_nodes(); ++i) {
      const Node& node = old.node(NodeId{i});
      if (!node.is_reverse()) {
        RETURN_IF_ERROR(r_.Keep(NodeId{i}));
        continue;
      }
      for (NodeId d : DependenciesOf(node)) {
        if (recompute_[d.index]) RETURN_IF_ERROR(Clone(d));
      }
      Node copy = node;
      for (NodeId& in : copy.inputs) in = Source(in);
      if (copy.type == NodeType::kVjp) copy.forward = Source(copy.forward);
      ASSIGN_OR_RETURN(NodeId now, r_.builder()->AddNode(std::move(copy)));
      r_.Replace(NodeId{i}, now);
    }
    ASSIGN_OR_RETURN(PassResult result, r_.Finish());
    result.rewrites = rewrites_;
    return result;
  }

 private:
  // Source() is what a reverse node reads for old node `old`.
  NodeId Source(NodeId old) const {
    return recompute_[old.index] ? clone_[old.index] : r_.Map(old);
  }

  // Clone() makes the duplicate of chosen node `old` (and first those of
  // its chosen inputs) unless it exists.
  absl::Status Clone(NodeId old) {
    if (clone_[old.index].valid()) return absl::OkStatus();
    const Node& node = r_.old().node(old);
    for (NodeId in : node.inputs) {
      if (recompute_[in.index]) RETURN_IF_ERROR(Clone(in));
    }
    Node copy = node;
    copy.name = absl::StrCat(node.name, "/recomputed");
    for (NodeId& in : copy.inputs) in = Source(in);
    ASSIGN_OR_RETURN(NodeId now, r_.builder()->AddNode(std::move(copy)));
    r_.builder()->SetProvenance(now, node.origin, kRematerializePass);
    clone_[old.index] = now;
    ++rewrites_;
    return absl::OkStatus();
  }

  GraphRewriter r_;
  const std::vector<bool>& recompute_;
  std::vector<NodeId> clone_;
  int rewrites_ = 0;
};

}  // namespace

std::vector<NodeId> RecomputeCandidates(const Graph& graph,
                                        absl::Span<const NodeId> fetches) {
  std::vector<bool> read_in_reverse(graph.num_nodes(), false);
  for (const Node& n : graph.nodes()) {
    if (!n.is_reverse()) continue;
    for (NodeId d : DependenciesOf(n)) read_in_reverse[d.index] = true;
  }
  for (NodeId f : fetches) read_in_reverse[f.index] = false;
  std::vector<NodeId> out;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& n = graph.node(NodeId{i});
    if (read_in_reverse[i] && n.type == NodeType::kOp && !n.reverse &&
        n.def->mutable_inputs == 0) {
      out.push_back(NodeId{i});
    }
  }
  return out;
}

namespace {

std::string Megabytes(int64_t bytes) {
  return absl::StrFormat("%.2f MB", bytes / 1e6);
}

// Search is Rematerialize()'s greedy choice over the candidates.
class Search {
 public:
  Search(const Graph& graph, absl::Span<const NodeId> fetches,
         const GraphPlanner& planner)
      : graph_(graph),
        fetches_(fetches.begin(), fetches.end()),
        planner_(planner),
        chosen_(graph.num_nodes(), false) {}

  // Plan() is the arena with `set` recomputed; it records the smallest.
  absl::StatusOr<int64_t> Plan(const std::vector<bool>& set) {
    ASSIGN_OR_RETURN(PassResult r, RecomputeNodes(graph_, set));
    std::vector<NodeId> fetches = fetches_;
    for (NodeId& f : fetches) f = r.remap[f.index];
    ASSIGN_OR_RETURN(GraphArena a, planner_(r.graph, fetches));
    if (smallest_ < 0 || a.peak_bytes < smallest_) {
      smallest_ = a.peak_bytes;
      smallest_set_ = set;
    }
    return a.peak_bytes;
  }

  // Improve() is the search past the greedy choice. Seeds: checkpoints
  // (kept candidates, in topological order; the rest recomputed) spaced
  // triangularly below every top t (t, t - 1, t - 3, t - 6, ...), then
  // evenly (segment-wise checkpointing, Chen et al. 2016: for every spacing
  // d and first checkpoint f, candidates f, f + d, f + 2d, ...). Then, from the
  // greedy's smallest set and from each of the kClimbs smallest seeds
  // (ties included), a climb: one candidate at a time toggled (recomputed
  // or kept), keeping each toggle that lowers the arena, until none does.
  // Stops once the budget is met; true if so, with chosen() that set.
  absl::StatusOr<bool> Improve(int64_t budget,
                               const std::vector<NodeId>& candidates) {
    constexpr size_t kClimbs = 4;
    const size_t n = candidates.size();
    std::vector<std::pair<int64_t, std::vector<bool>>> starts = {
        {smallest_, smallest_set_}};
    std::vector<std::pair<int64_t, std::vector<bool>>> seeds;
    auto seed = [&](auto keep) -> absl::Status {
      std::vector<bool> set(graph_.num_nodes(), false);
      for (size_t c = 0; c < n; ++c) set[candidates[c].index] = !keep(c);
      ASSIGN_OR_RETURN(const int64_t p, Plan(set));
      seeds.emplace_back(p, std::move(set));
      return absl::OkStatus();
    };
    // Triangular spacing first: kept t, t - 1, t - 3, t - 6, ... (a chain's
    // segment below the j-th checkpoint from the top has j fewer live
    // checkpoints above it, so it may be one longer than the one above).
    for (size_t t = n; t-- > 0 && smallest_ > budget;) {
      RETURN_IF_ERROR(seed([&](size_t c) {
        for (size_t k = 0, drop = 0; drop <= t; drop += ++k) {
          if (c == t - drop) return true;
        }
        return false;
      }));
    }
    for (size_t d = 1; d <= n && smallest_ > budget; ++d) {
      for (size_t f = 0; f < n && smallest_ > budget; ++f) {
        RETURN_IF_ERROR(
            seed([&](size_t c) { return c >= f && (c - f) % d == 0; }));
      }
    }
    std::stable_sort(seeds.begin(), seeds.end(),
                     [](const auto& a, const auto& b) {
                       return a.first < b.first;
                     });
    for (auto& seed : seeds) {
      if (starts.size() > kClimbs) break;
      if (std::none_of(starts.begin(), starts.end(), [&](const auto& s) {
            return s.second == seed.second;
          })) {
        starts.push_back(std::move(seed));
      }
    }
    for (auto& [peak, set] : starts) {
      bool better = true;
      while (better && smallest_ > budget) {
        better = false;
        for (size_t c = 0; c < n && smallest_ > budget; ++c) {
          set[candidates[c].index] = !set[candidates[c].index];
          ASSIGN_OR_RETURN(const int64_t p, Plan(set));
          if (p < peak) {
            peak = p;
            better = true;
          } else {
            set[candidates[c].index] = !set[candidates[c].index];
          }
        }
      }
    }
    if (smallest_ > budget) return false;
    chosen_ = smallest_set_;
    return true;
  }

  // Choose() fills chosen() for `budget`; false if it cannot be met.
  absl::StatusOr<bool> Choose(int64_t budget, int64_t peak,
                              const std::vector<Shape>& shapes) {
    const std::vector<NodeId> candidates =
        RecomputeCandidates(graph_, fetches_);
    std::vector<double> flops(graph_.num_nodes(), 1.0);
    for (NodeId c : candidates) {
      flops[c.index] = std::max<double>(
          1.0, static_cast<double>(NodeFlops(graph_, c, shapes)));
    }
    while (peak > budget) {
      NodeId best;
      double best_score = 0.0;
      int64_t best_peak = peak;
      for (NodeId c : candidates) {
        if (chosen_[c.index]) continue;
        chosen_[c.index] = true;
        ASSIGN_OR_RETURN(const int64_t p, Plan(chosen_));
        chosen_[c.index] = false;
        const double score = (peak - p) / flops[c.index];
        if (p < peak && score > best_score) {
          best = c;
          best_score = score;
          best_peak = p;
        }
      }
      if (!best.valid()) {
        // No single node saves bytes: open a segment with the node of most
        // output bytes per FLOP.
        double most = -1.0;
        for (NodeId c : candidates) {
          if (chosen_[c.index]) continue;
          const double per_flop =
              shapes[c.index].num_elements() * 4.0 / flops[c.index];
          if (per_flop > most) {
            most = per_flop;
            best = c;
          }
        }
        if (!best.valid()) {  // Everything is recomputed.
          ASSIGN_OR_RETURN(const bool met, Improve(budget, candidates));
          if (!met) return false;
          break;
        }
        chosen_[best.index] = true;
        ASSIGN_OR_RETURN(best_peak, Plan(chosen_));
      }
      chosen_[best.index] = true;
      peak = best_peak;
    }
    // Drop chosen nodes the budget does not need, costliest first.
    std::vector<NodeId> order;
    for (NodeId c : candidates) {
      if (chosen_[c.index]) order.push_back(c);
    }
    std::stable_sort(order.begin(), order.end(), [&](NodeId a, NodeId b) {
      return flops[a.index] > flops[b.index];
    });
    for (NodeId c : order) {
      chosen_[c.index] = false;
      ASSIGN_OR_RETURN(const int64_t p, Plan(chosen_));
      if (p > budget) chosen_[c.index] = true;
    }
    return true;
  }

  const std::vector<bool>& chosen() const { return chosen_; }
  int64_t smallest() const { return smallest_; }

 private:
  const Graph& graph_;
  std::vector<NodeId> fetches_;
  const GraphPlanner& planner_;
  std::vector<bool> chosen_;
  int64_t smallest_ = -1;
  std::vector<bool> smallest_set_;  // The set that planned smallest_.
};

}  // namespace

std::string RematReport::Summary() const {
  return absl::StrCat(
      kRematerializePass, ": ", recomputed, " nodes, planned ",
      Megabytes(planned_bytes), " of ", Megabytes(unbudgeted_bytes),
      " (budget ", Megabytes(budget_bytes), "), +",
      absl::StrFormat("%.1f", extra_flops / 1e6), " MFLOP per run");
}

absl::StatusOr<PassResult> RecomputeNodes(const Graph& graph,
                                          const std::vector<bool>& recompute) {
  return Rewrite(graph, recompute).Run();
}

int64_t NodeFlops(const Graph& graph, NodeId id,
                  const std::vector<Shape>& shapes) {
  const Node& node = graph.node(id);
  const int64_t out = shapes[id.index].num_elements();
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    const Node& in = graph.node(node.inputs[i]);
    const Shape& w = shapes[node.inputs[i].index];
    if (in.type != NodeType::kParameter) continue;
    if (w.rank() == 2) return 2 * out * w.dim(0);
    if (w.rank() == 4) return 2 * out * (w.num_elements() / w.dim(0));
  }
  int64_t touched = out;
  for (NodeId in : node.inputs) touched += shapes[in.index].num_elements();
  return touched;
}

absl::StatusOr<RematResult> Rematerialize(const Graph& graph,
                                          absl::Span<const NodeId> fetches,
                                          int64_t budget_bytes,
                                          const GraphPlanner& planner) {
  ASSIGN_OR_RETURN(GraphArena base, planner(graph, fetches));
  RematResult result;
  RematReport& report = result.report;
  report.budget_bytes = budget_bytes;
  report.unbudgeted_bytes = base.peak_bytes;
  Search search(graph, fetches, planner);
  bool met = base.peak_bytes <= budget_bytes;
  if (!met) {
    ASSIGN_OR_RETURN(met,
                     search.Choose(budget_bytes, base.peak_bytes, base.shapes));
  }
  if (!met) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "memory budget ", budget_bytes, " bytes cannot be met: the planned ",
        "arena is ", base.peak_bytes, " bytes and rematerialization brings ",
        "it down to ", search.smallest(),
        " bytes at best; the smallest feasible budget is ", search.smallest(),
        " bytes"));
  }
  ASSIGN_OR_RETURN(result.pass, RecomputeNodes(graph, search.chosen()));
  std::vector<NodeId> now(fetches.begin(), fetches.end());
  for (NodeId& f : now) f = result.pass.remap[f.index];
  ASSIGN_OR_RETURN(GraphArena planned, planner(result.pass.graph, now));
  report.planned_bytes = planned.peak_bytes;
  report.recomputed = result.pass.rewrites;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    if (search.chosen()[i]) {
      report.extra_flops += NodeFlops(graph, NodeId{i}, base.shapes);
    }
  }
  std::string passes = graph.passes();
  if (result.pass.changed()) {
    absl::StrAppend(&passes, passes.empty() ? "" : ", ", report.Summary());
  }
  result.pass.graph.set_passes(std::move(passes));
  return result;
}

}  // namespace dagrad
