#include "graph/parameter_store.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

uint64_t HashName(uint64_t seed, absl::string_view name) {
  uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a over the name.
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

absl::Status ParameterStore::Initialize(const Graph& graph, uint64_t seed) {
  for (const Node& node : graph.nodes()) {
    if (node.type != NodeType::kParameter) continue;
    auto it = values_.find(node.name);
    if (it != values_.end()) {
      if (it->second.shape() != node.shape) {
        return absl::InvalidArgumentError(absl::StrCat(
            "parameter '", node.name, "': stored shape ",
            it->second.shape().DebugString(), " differs from graph shape ",
            node.shape.DebugString()));
      }
      continue;
    }
    absl::StatusOr<Tensor> zeros = Tensor::TryZeros(
        node.shape, absl::StrCat("parameter '", node.name, "'"));
    if (!zeros.ok()) return zeros.status();
    Tensor value = *std::move(zeros);
    Rng rng(HashName(seed, node.name));
    absl::Status s = node.init(&value, &rng);
    if (!s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("parameter '", node.name, "': ", s.message()));
    }
    values_.emplace(node.name, std::move(value));
  }
  return absl::OkStatus();
}

Tensor* ParameterStore::Find(absl::string_view name) {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

const Tensor* ParameterStore::Find(absl::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

void ParameterStore::Set(std::string name, Tensor value) {
  values_[std::move(name)] = std::move(value);
}

std::vector<std::pair<std::string, Tensor*>> ParameterStore::Items() {
  std::vector<std::pair<std::string, Tensor*>> items;
  items.reserve(values_.size());
  for (auto& [name, value] : values_) items.emplace_back(name, &value);
  return items;
}

}  // namespace dagrad
