// graph/parameter_store.h: the values of a model's parameters.
//
// ParameterStore maps parameter name -> owned Tensor. It is owned by the
// model and must outlive every Executor bound to it (executors hold views).
// Iteration is in name order (deterministic, for checkpoints/optimizers).
#ifndef DAGRAD_GRAPH_PARAMETER_STORE_H_
#define DAGRAD_GRAPH_PARAMETER_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "graph/graph.h"

namespace dagrad {

class ParameterStore {
 public:
  ParameterStore() = default;
  ParameterStore(const ParameterStore&) = delete;
  ParameterStore& operator=(const ParameterStore&) = delete;

  // Initialize() allocates and fills every parameter of `graph` that is not
  // yet in the store, with Rng(Hash(seed, name)) so creation order does not
  // matter. Existing values (e.g. loaded from a checkpoint) are kept if
  // their shape matches; a shape mismatch is InvalidArgument. A value that
  // cannot be allocated is ResourceExhausted naming the parameter, its
  // shape and the bytes. On error the store may hold some new values.
  absl::Status Initialize(const Graph& graph, uint64_t seed);

  Tensor* Find(absl::string_view name);
  const Tensor* Find(absl::string_view name) const;
  // Set() stores (replaces) a value.
  void Set(std::string name, Tensor value);

  int size() const { return static_cast<int>(values_.size()); }
  // Items() lists (name, value) in name order; the pointers are valid until
  // the store changes.
  std::vector<std::pair<std::string, Tensor*>> Items();
  // Iteration over (name, Tensor) in name order.
  std::map<std::string, Tensor, std::less<>>::iterator begin() {
    return values_.begin();
  }
  std::map<std::string, Tensor, std::less<>>::iterator end() {
    return values_.end();
  }
  std::map<std::string, Tensor, std::less<>>::const_iterator begin() const {
    return values_.begin();
  }
  std::map<std::string, Tensor, std::less<>>::const_iterator end() const {
    return values_.end();
  }

 private:
  std::map<std::string, Tensor, std::less<>> values_;
};

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_PARAMETER_STORE_H_
