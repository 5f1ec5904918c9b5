// The user op of examples/user_op/scaled_softsign.h, registered from
// outside ops/: its VJP against central differences over a sweep of
// scales and ranks, its forward against a double reference, 1 vs 2 threads
// bitwise, its shape errors; then in graphs: a Sequential model with a
// layer that emits it trains (the loss falls), a parameter gradient
// through it matches central differences, CSE merges two equal nodes of
// it, DOT names it, and ONNX export reports it has no ONNX equivalent.
#include "examples/user_op/scaled_softsign.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "graph/autodiff.h"
#include "graph/dot.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "graph/passes/cse.h"
#include "gtest/gtest.h"
#include "io/onnx/onnx_export.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "layers/layer.h"
#include "ops/eager.h"
#include "ops/mat_mul.h"
#include "ops/sum.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/graph_gradient_checker.h"
#include "tests/testing/op_family.h"
#include "tests/train/synthetic_data.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

using user_op::ScaledSoftsignAttrs;

OpKind Kind() { return *OpKindOf<ScaledSoftsignAttrs>(); }

ScaledSoftsignAttrs WithScale(float scale) {
  ScaledSoftsignAttrs attrs;
  attrs.scale = scale;
  return attrs;
}

TEST(ScaledSoftsignTest, IsRegisteredAsAUserOp) {
  absl::StatusOr<OpKind> kind = OpKindOf<ScaledSoftsignAttrs>();
  ASSERT_TRUE(kind.ok()) << kind.status();
  EXPECT_FALSE(IsBuiltinOp(*kind));
  EXPECT_GE(static_cast<int>(*kind), kNumOps);
  EXPECT_STREQ(OpName(*kind), "ScaledSoftsign");
  EXPECT_EQ(OpMinInputs(*kind), 1);
  EXPECT_EQ(OpMaxInputs(*kind), 1);
  absl::StatusOr<const OpDef*> def = GetOp(*kind);
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_STREQ((*def)->name(), "ScaledSoftsign");
  EXPECT_EQ((*def)->kind, *kind);
  EXPECT_TRUE(OpRegistryStatus().ok()) << OpRegistryStatus();
}

// Reference: y = scale * x / (1 + |x|), dL/dx = dy * scale / (1 + |x|)^2.
ReferenceFn SoftsignReference(double scale) {
  return [scale](const ReferenceArgs& args) {
    Reference r;
    r.grads.resize(1);
    const Tensor& x = args.inputs[0];
    for (int64_t i = 0; i < x.size(); ++i) {
      const double v = x[i], d = 1.0 + std::fabs(v);
      r.y.push_back(scale * v / d);
      r.grads[0].push_back(args.dy[i] * scale / (d * d));
    }
    return r;
  };
}

std::vector<OpCase> SoftsignCases() {
  std::vector<OpCase> cases;
  const Shape shapes[] = {Shape({7}), Shape({3, 4}), Shape({2, 3, 5}),
                          Shape({2, 1, 3, 4})};
  for (float scale : {0.5f, 2.0f, -1.5f}) {
    for (const Shape& shape : shapes) {
      const std::string label = absl::StrCat(
          "scale", scale < 0 ? "m" : "",
          static_cast<int>(std::fabs(scale) * 10), "_", ShapeLabel(shape));
      // |x| has a kink in its second derivative at 0: keep x away from it.
      OpCase g = MakeCase(Kind(), WithScale(scale), "gradient_" + label, [=] {
        return Inputs(RandomTensorAwayFromZero(shape, 3, 0.05f));
      });
      g.gradient = GradientOptions(1e-3, 1e-2, 1e-3);
      cases.push_back(g);
      OpCase r = MakeCase(Kind(), WithScale(scale), "reference_" + label, [=] {
        return Inputs(RandomTensor(shape, 4, -4, 4));
      });
      r.reference = SoftsignReference(scale);
      r.y_tolerance = Tolerance::Near(1e-6, 1e-6);
      r.grad_tolerance = Tolerance::Near(1e-6, 1e-6);
      cases.push_back(r);
    }
  }
  OpCase t = MakeCase(Kind(), WithScale(1.5f), "threads", [] {
    return Inputs(RandomTensor(Shape({61, 1001}), 5, -3, 3));
  });
  t.bitwise_threads = true;
  cases.push_back(t);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(ScaledSoftsign, OpCaseTest,
                         ::testing::ValuesIn(SoftsignCases()), OpCaseName);

std::vector<ShapeErrorCase> SoftsignShapeErrorCases() {
  return {{"zero_scale",
           Kind(),
           WithScale(0.0f),
           {Shape({2, 3})},
           {"scale must be finite and nonzero, got 0", "[2,3]"}},
          {"nan_scale",
           Kind(),
           WithScale(std::nanf("")),
           {Shape({4})},
           {"scale must be finite and nonzero, got nan", "[4]"}}};
}

INSTANTIATE_TEST_SUITE_P(ScaledSoftsign, ShapeErrorTest,
                         ::testing::ValuesIn(SoftsignShapeErrorCases()),
                         ShapeErrorCaseName);

TEST(ScaledSoftsignTest, GraphShapeErrorNamesTheNode) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 3}));
  absl::StatusOr<NodeId> y = b.AddOp(WithScale(0.0f), {x}, {"squash", "act"});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(y.status().message());
  EXPECT_NE(message.find("node 'act/squash' (ScaledSoftsign)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("[?,3]"), std::string::npos) << message;
}

// SoftsignLayer: a user's layer that emits the user op (no parameters).
class SoftsignLayer : public Layer {
 public:
  explicit SoftsignLayer(float scale) : scale_(scale) {}
  absl::string_view type() const override { return "ScaledSoftsign"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override {
    return graph->AddOp(WithScale(scale_), {input}, {"", scope});
  }

 private:
  float scale_;
};

TEST(ScaledSoftsignTest, TrainsInASequentialModel) {
  Sequential model(Shape({1, 8, 8}), /*seed=*/3);
  model.Add(Flatten());
  model.Add(Dense(16));
  model.Add(SoftsignLayer(1.5f));
  model.Add(Dense(4));
  ASSERT_TRUE(model.status().ok()) << model.status();
  FitOptions fit;
  fit.epochs = 6;
  fit.batch_size = 16;
  fit.optimizer = OptimizerKind::kMomentum;
  fit.lr = 0.05f;
  fit.optimizer_options.momentum = 0.9f;
  fit.verbose = false;
  const Dataset train = QuadrantData(320, 8, /*seed=*/1);
  const Dataset valid = QuadrantData(200, 8, /*seed=*/2);
  absl::StatusOr<History> history = model.Fit(train, &valid, fit);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->epochs.size(), 6u);
  EXPECT_LT(history->epochs.back().train_loss,
            0.5 * history->epochs.front().train_loss);
  absl::StatusOr<EvalResult> eval = model.Evaluate(valid, 64);
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_GE(eval->accuracy, 0.95) << "loss " << eval->loss;
}

// Net: loss = sum(ScaledSoftsign(x W)) with x fed and W a parameter.
struct Net {
  Graph graph;
  NodeId x, w, act, loss, grad;
};

Net SoftsignNet(bool twice) {
  GraphBuilder b;
  Net net;
  net.x = *b.AddInput("x", Shape({Shape::kUnknownDim, 5}));
  net.w = *b.AddParameter("W", Shape({5, 3}), UniformInit(-1.0f, 1.0f));
  const NodeId h = *b.AddOp(MatMulAttrs{}, {net.x, net.w}, {"", "fc"});
  net.act = *b.AddOp(WithScale(2.0f), {h}, {"", "fc"});
  NodeId out = net.act;
  if (twice) {  // An equal second node: CSE merges it with the first.
    const NodeId again = *b.AddOp(WithScale(2.0f), {h}, {"again", "fc"});
    MatMulAttrs transposed;
    transposed.transpose_b = true;
    out = *b.AddOp(transposed, {net.act, again});
  }
  net.loss = *b.AddOp(SumAttrs{}, {out}, {"", "loss"});
  net.grad = (*AddGradients(&b, net.loss, {net.w}))[0];
  net.graph = *b.Finalize();
  return net;
}

TEST(ScaledSoftsignTest, ParameterGradientThroughTheGraph) {
  Net net = SoftsignNet(/*twice=*/false);
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(net.graph, /*seed=*/5).ok());
  auto make = [&](std::vector<NodeId> fetches) {
    ExecutorOptions options;
    options.fetches = std::move(fetches);
    options.batch_size = 4;
    std::unique_ptr<Executor> exec = *Executor::Create(net.graph, options);
    EXPECT_TRUE(exec->BindParameters(&store).ok());
    EXPECT_TRUE(exec->Feed(net.x, RandomTensor(Shape({4, 5}), 6)).ok());
    return exec;
  };
  std::unique_ptr<Executor> exec = make({net.loss, net.grad});
  ASSERT_TRUE(exec->Run().ok());
  const Tensor grad = (*exec->Fetch(net.grad))->Clone();
  std::unique_ptr<Executor> loss_exec = make({net.loss});
  GradientCheckOptions options = GradientOptions(1e-3, 1e-2, 1e-3);
  absl::StatusOr<GradientCheckResult> r = CheckParameterGradient(
      loss_exec.get(), net.loss, &store, "W", grad, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->max_abs_numeric, 1e-2);  // Not vacuous.
}

TEST(ScaledSoftsignTest, CseMergesEqualNodesAndDotNamesTheOp) {
  Net net = SoftsignNet(/*twice=*/true);
  absl::StatusOr<PassResult> cse =
      EliminateCommonSubexpressions(net.graph, {net.loss, net.grad});
  ASSERT_TRUE(cse.ok()) << cse.status();
  EXPECT_GE(cse->rewrites, 1);
  const std::string dot = ToDot(net.graph);
  EXPECT_NE(dot.find("ScaledSoftsign"), std::string::npos) << dot;
}

TEST(ScaledSoftsignTest, OnnxExportSaysThereIsNoOnnxEquivalent) {
  Net net = SoftsignNet(/*twice=*/false);
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(net.graph, /*seed=*/5).ok());
  absl::StatusOr<std::string> bytes =
      OnnxModelBytes(net.graph, store, {net.x}, {net.act});
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(bytes.status().message());
  EXPECT_NE(message.find("'fc/ScaledSoftsign' (ScaledSoftsign)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("no ONNX equivalent"), std::string::npos) << message;
}

}  // namespace
}  // namespace dagrad
