#include "graph/profile.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"

namespace dagrad {
namespace {

double MicrosPerRun(const NodeTime& t) {
  return t.runs > 0 ? static_cast<double>(t.nanos) / 1e3 / t.runs : 0.0;
}

std::string PassOf(const Node& node) {
  switch (node.type) {
    case NodeType::kOp:
      return node.reverse ? "fan-out sum" : "forward";
    case NodeType::kVjp:
      return absl::StrFormat("vjp wrt %d", node.wrt);
    default:
      return "-";
  }
}

}  // namespace

std::string FormatProfile(const Graph& graph, absl::Span<const NodeTime> times,
                          int max_rows) {
  std::vector<size_t> order(times.size());
  double total = 0.0;
  for (size_t i = 0; i < times.size(); ++i) {
    order[i] = i;
    total += MicrosPerRun(times[i]);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return MicrosPerRun(times[a]) > MicrosPerRun(times[b]);
  });
  std::string out;
  if (!graph.passes().empty()) {
    out = absl::StrFormat("graph passes (rewrites): %s\n", graph.passes());
  }
  absl::StrAppendFormat(&out, "%10s %6s  %-11s %-24s %s\n", "us/run", "share",
                        "pass", "op", "node");
  const size_t rows =
      std::min(order.size(), static_cast<size_t>(std::max(max_rows, 0)));
  for (size_t r = 0; r < rows; ++r) {
    const NodeTime& t = times[order[r]];
    const Node& node = graph.node(t.id);
    const double us = MicrosPerRun(t);
    absl::StrAppendFormat(
        &out, "%10.1f %5.1f%%  %-11s %-24s %s\n", us,
        total > 0.0 ? 100.0 * us / total : 0.0, PassOf(node),
        node.def != nullptr ? OpLabel(*node.def, node.attrs) : "-", node.name);
  }
  absl::StrAppendFormat(
      &out, "%10.1f 100.0%%  total over %d nodes (%d not shown)\n", total,
      static_cast<int>(times.size()), static_cast<int>(times.size() - rows));
  return out;
}

}  // namespace dagrad
