// examples/compose_graph.cc: dagrad's low-level API, with no layers.
//
//   bazel run //examples:compose_graph -- --x=3 --a=2 --b=1 --dot=/tmp/f.dot
//
// Part 1 builds f(x) = a*x^2 + b from Mul and Add nodes, appends the reverse
// pass (x feeds two Mul inputs, so its gradient is summed by an accumulation
// node) and prints f and its gradients, which are checked against the
// closed form df/da = x^2, df/db = 1, df/dx = 2*a*x by
// tests/examples/compose_graph_test.cc. Part 2 builds a tiny MLP
// (MatMul, BiasAdd, Tanh, MatMul, SoftmaxCrossEntropy), takes ten SGD steps
// and prints the loss. --dot writes part 1's graph in Graphviz DOT.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "graph/autodiff.h"
#include "graph/dot.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "io/file_system.h"
#include "ops/add.h"
#include "ops/bias_add.h"
#include "ops/mat_mul.h"
#include "ops/mul.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"

ABSL_FLAG(float, x, 3.0f, "x in f(x) = a*x^2 + b");
ABSL_FLAG(float, a, 2.0f, "a in f(x) = a*x^2 + b");
ABSL_FLAG(float, b, 1.0f, "b in f(x) = a*x^2 + b");
ABSL_FLAG(std::string, dot, "", "write the graph of f in Graphviz DOT here");

namespace dagrad {
namespace {

// Quadratic() is part 1: f(x) = a*x^2 + b and df/d{a,b,x}.
absl::Status Quadratic(float x_value, float a_value, float b_value,
                       const std::string& dot_path) {
  GraphBuilder g;
  ASSIGN_OR_RETURN(NodeId x,
                   g.AddParameter("x", Shape({1}), ConstantInit(x_value)));
  ASSIGN_OR_RETURN(NodeId a,
                   g.AddParameter("a", Shape({1}), ConstantInit(a_value)));
  ASSIGN_OR_RETURN(NodeId b,
                   g.AddParameter("b", Shape({1}), ConstantInit(b_value)));
  ASSIGN_OR_RETURN(NodeId x2, g.AddOp(MulAttrs{}, {x, x}, {"x2", "f"}));
  ASSIGN_OR_RETURN(NodeId ax2, g.AddOp(MulAttrs{}, {a, x2}, {"ax2", "f"}));
  ASSIGN_OR_RETURN(NodeId f, g.AddOp(AddAttrs{}, {ax2, b}, {"f", "f"}));
  ASSIGN_OR_RETURN(std::vector<NodeId> grads, AddGradients(&g, f, {a, b, x}));
  ASSIGN_OR_RETURN(Graph graph, g.Finalize());

  ParameterStore store;
  RETURN_IF_ERROR(store.Initialize(graph, /*seed=*/0));
  ExecutorOptions options;
  options.fetches = {f, grads[0], grads[1], grads[2]};
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> exec,
                   Executor::Create(graph, options));
  RETURN_IF_ERROR(exec->BindParameters(&store));
  RETURN_IF_ERROR(exec->Run());
  float values[4];
  for (int k = 0; k < 4; ++k) {
    ASSIGN_OR_RETURN(const Tensor* t, exec->Fetch(options.fetches[k]));
    values[k] = t->data()[0];
  }
  std::printf("f(x) = a*x^2 + b at x=%g a=%g b=%g\n", x_value, a_value,
              b_value);
  std::printf("f=%.6g df/da=%.6g df/db=%.6g df/dx=%.6g\n", values[0], values[1],
              values[2], values[3]);
  std::printf("closed form: f=%.6g df/da=%.6g df/db=1 df/dx=%.6g\n",
              a_value * x_value * x_value + b_value, x_value * x_value,
              2 * a_value * x_value);
  if (!dot_path.empty()) {
    RETURN_IF_ERROR(WriteFileAtomically(dot_path, ToDot(graph, &exec->plan())));
    std::printf("wrote %s\n", dot_path.c_str());
  }
  return absl::OkStatus();
}

// TinyMlp() is part 2: 4 examples, 3 features, 5 hidden tanh units, 2
// classes; ten SGD steps with learning rate 1.
absl::Status TinyMlp() {
  GraphBuilder g;
  ASSIGN_OR_RETURN(NodeId x, g.AddInput("x", Shape({Shape::kUnknownDim, 3})));
  ASSIGN_OR_RETURN(NodeId y, g.AddInput("labels", Shape({Shape::kUnknownDim})));
  ASSIGN_OR_RETURN(NodeId w1, g.AddParameter("l1/W", Shape({3, 5}),
                                             UniformInit(-0.8f, 0.8f)));
  ASSIGN_OR_RETURN(NodeId b1,
                   g.AddParameter("l1/b", Shape({5}), ConstantInit(0)));
  ASSIGN_OR_RETURN(NodeId w2, g.AddParameter("l2/W", Shape({5, 2}),
                                             UniformInit(-0.8f, 0.8f)));
  ASSIGN_OR_RETURN(NodeId h, g.AddOp(MatMulAttrs{}, {x, w1}, {"", "l1"}));
  ASSIGN_OR_RETURN(h, g.AddOp(BiasAddAttrs{}, {h, b1}, {"", "l1"}));
  ASSIGN_OR_RETURN(h, g.AddOp(TanhAttrs{}, {h}, {"", "l1"}));
  ASSIGN_OR_RETURN(NodeId z, g.AddOp(MatMulAttrs{}, {h, w2}, {"", "l2"}));
  ASSIGN_OR_RETURN(NodeId loss,
                   g.AddOp(SoftmaxCrossEntropyAttrs{}, {z, y}, {"", "loss"}));
  const std::vector<NodeId> params = {w1, b1, w2};
  ASSIGN_OR_RETURN(std::vector<NodeId> grads, AddGradients(&g, loss, params));
  ASSIGN_OR_RETURN(Graph graph, g.Finalize());

  ParameterStore store;
  RETURN_IF_ERROR(store.Initialize(graph, /*seed=*/1));
  ExecutorOptions options;
  options.batch_size = 4;
  options.fetches = {loss};
  options.fetches.insert(options.fetches.end(), grads.begin(), grads.end());
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> exec,
                   Executor::Create(graph, options));
  RETURN_IF_ERROR(exec->BindParameters(&store));
  RETURN_IF_ERROR(exec->Feed(
      x, Tensor::FromValues(Shape({4, 3}), {1, 0, 0.5f, 0, 1, -0.5f, -1, 0.5f,
                                            0, 0.5f, -1, 1})));
  RETURN_IF_ERROR(exec->Feed(y, Tensor::FromValues(Shape({4}), {0, 1, 0, 1})));
  for (int step = 0; step < 10; ++step) {
    RETURN_IF_ERROR(exec->Run());
    ASSIGN_OR_RETURN(const Tensor* l, exec->Fetch(loss));
    std::printf("mlp step %d loss=%.6f\n", step, l->data()[0]);
    for (size_t k = 0; k < params.size(); ++k) {
      Tensor* w = store.Find(graph.node(params[k]).name);
      ASSIGN_OR_RETURN(const Tensor* dw, exec->Fetch(grads[k]));
      for (int64_t i = 0; i < w->size(); ++i) (*w)[i] -= 1.0f * (*dw)[i];
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::Status s =
      dagrad::Quadratic(absl::GetFlag(FLAGS_x), absl::GetFlag(FLAGS_a),
                        absl::GetFlag(FLAGS_b), absl::GetFlag(FLAGS_dot));
  if (s.ok()) s = dagrad::TinyMlp();
  if (!s.ok()) {
    std::fprintf(stderr, "compose_graph: %s\n",
                 std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
