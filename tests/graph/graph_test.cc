// Tests of the graph engine with the ops that exist so far (unary ops and
// losses): builder errors, dead-code pruning, autodiff vs whole-graph central
// differences, planned vs unplanned and 1 vs 2 threads bitwise, executor
// state errors.
#include "graph/graph.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "graph/autodiff.h"
#include "graph/dot.h"
#include "graph/executor.h"
#include "graph/parameter_store.h"
#include "graph/schedule.h"
#include "gtest/gtest.h"
#include "ops/dropout.h"
#include "ops/identity.h"
#include "ops/mean_squared_error.h"
#include "ops/mul.h"
#include "ops/relu.h"
#include "ops/sigmoid.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/sum.h"
#include "ops/tanh.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/graph_gradient_checker.h"

namespace dagrad {
namespace {

using ::testing::HasSubstr;

// A small model: logits = Identity(Sigmoid(Tanh(p))) * -- p [4,5] -- and
// L = SoftmaxCrossEntropy(logits, labels) with labels [?] fed; plus a second
// loss M = MeanSquaredError(Tanh(q), x) with x [?,3] fed and q [4,3].
struct Model {
  GraphBuilder b;
  NodeId x, labels, p, q, t, s, logits, loss, mse, tq;
};

void BuildModel(Model* m) {
  m->x = *m->b.AddInput("x", Shape({Shape::kUnknownDim, 3}));
  m->labels = *m->b.AddInput("labels", Shape({Shape::kUnknownDim}));
  m->p = *m->b.AddParameter("p", Shape({4, 5}), UniformInit(-2.f, 2.f));
  m->q = *m->b.AddParameter("q", Shape({4, 3}), UniformInit(-1.f, 1.f));
  m->t = *m->b.AddOp(TanhAttrs{}, {m->p}, {"", "l1"});
  m->s = *m->b.AddOp(SigmoidAttrs{}, {m->t}, {"", "l1"});
  m->logits = *m->b.AddOp(IdentityAttrs{}, {m->s}, {"logits", "l2"});
  m->loss = *m->b.AddOp(SoftmaxCrossEntropyAttrs{}, {m->logits, m->labels},
                        {"loss", ""});
  m->tq = *m->b.AddOp(TanhAttrs{}, {m->q}, {"", "l3"});
  m->mse = *m->b.AddOp(MeanSquaredErrorAttrs{}, {m->tq, m->x}, {"mse", ""});
}

TEST(GraphBuilderTest, ShapeErrorNamesNodeOpAndInputs) {
  Model m;
  BuildModel(&m);
  // Labels [?,7] do not match logits [4,5].
  NodeId bad_labels = *m.b.AddInput("bad", Shape({Shape::kUnknownDim, 7}));
  absl::StatusOr<NodeId> r = m.b.AddOp(SoftmaxCrossEntropyAttrs{},
                                       {m.logits, bad_labels}, {"", "head"});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("node 'head/SoftmaxCrossEntropy'"));
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("(SoftmaxCrossEntropy)"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("[4,5]"));
  // MSE of [4,3] vs x [?,3] at batch 1 inference is fine at build time.
  const int before = m.b.num_nodes();
  // Arity.
  r = m.b.AddOp(ReluAttrs{}, {m.p, m.q}, {"r", "s"});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("node 's/r' (Relu)"));
  // Wrong attrs type for the op.
  r = m.b.AddOpNode(OpKind::kRelu, OpAttrs(TanhAttrs{}), typeid(TanhAttrs),
                    {m.p}, {});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("wrong type"));
  // Input not in the graph.
  r = m.b.AddOp(ReluAttrs{}, {NodeId{999}});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("999"));
  EXPECT_EQ(m.b.num_nodes(), before);  // Nothing added on error.
  // Unknown dim other than dim 0.
  EXPECT_EQ(m.b.AddInput("y", Shape({3, Shape::kUnknownDim})).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Duplicate parameter name.
  EXPECT_EQ(m.b.AddParameter("p", Shape({1}), ConstantInit(0)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(GraphBuilderTest, NamesAndShapes) {
  Model m;
  BuildModel(&m);
  Graph g = *m.b.Finalize();
  EXPECT_EQ(g.node(m.t).name, "l1/Tanh");
  EXPECT_EQ(g.node(m.logits).name, "l2/logits");
  EXPECT_EQ(*m.b.shape(m.logits), Shape({4, 5}));
  EXPECT_EQ(*m.b.shape(m.loss), Shape({}));
  NodeId t2 = *m.b.AddOp(TanhAttrs{}, {m.p}, {"", "l1"});
  EXPECT_EQ(m.b.node(t2).name, "l1/Tanh_1");
  EXPECT_EQ(m.b.trainable_parameters(), (std::vector<NodeId>{m.p, m.q}));
}

TEST(ScheduleTest, PrunesDeadNodesAndKeepsTopologicalOrder) {
  GraphBuilder b;
  NodeId p = *b.AddParameter("p", Shape({2, 3}), ConstantInit(0.5f));
  NodeId h = *b.AddOp(TanhAttrs{}, {p});
  NodeId a = *b.AddOp(ReluAttrs{}, {h});  // Diamond: h -> a, h -> c.
  NodeId dead = *b.AddOp(SigmoidAttrs{}, {p});
  NodeId c = *b.AddOp(IdentityAttrs{}, {h});
  NodeId d = *b.AddOp(SigmoidAttrs{}, {c});
  Graph g = *b.Finalize();
  std::vector<NodeId> order = *PruneToFetches(g, {d, a});
  EXPECT_EQ(order, (std::vector<NodeId>{p, h, a, c, d}));
  EXPECT_EQ(std::find(order.begin(), order.end(), dead), order.end());
  order = *PruneToFetches(g, {a});
  EXPECT_EQ(order, (std::vector<NodeId>{p, h, a}));
  EXPECT_EQ(PruneToFetches(g, {NodeId{77}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Runs the SCE model's gradient wrt p and compares with central differences.
TEST(AutodiffTest, WholeGraphGradientMatchesCentralDifferences) {
  Model m;
  BuildModel(&m);
  std::vector<NodeId> grads = *AddGradients(&m.b, m.loss, {m.p});
  std::vector<NodeId> mse_grads = *AddGradients(&m.b, m.mse, {m.q});
  Graph g = *m.b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(g, 3).ok());
  Tensor labels = Tensor::FromValues(Shape({4}), {0, 4, 2, 1});
  Tensor x = RandomTensor(Shape({4, 3}), 9, -1, 1);

  ExecutorOptions opts;
  opts.fetches = {m.loss, grads[0], m.mse, mse_grads[0]};
  opts.batch_size = 4;
  auto exec = *Executor::Create(g, opts);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(exec->Feed(m.labels, labels).ok());
  ASSERT_TRUE(exec->Feed(m.x, x).ok());
  absl::Status s = exec->Run();
  ASSERT_TRUE(s.ok()) << s;
  const Tensor gp = (*exec->Fetch(grads[0]))->Clone();
  const Tensor gq = (*exec->Fetch(mse_grads[0]))->Clone();

  GradientCheckOptions check;
  check.epsilon = 1e-2;
  check.atol = 1e-3;
  check.rtol = 1e-2;
  ExecutorOptions lopts;
  lopts.fetches = {m.loss};
  lopts.batch_size = 4;
  auto loss_exec = *Executor::Create(g, lopts);
  ASSERT_TRUE(loss_exec->BindParameters(&store).ok());
  ASSERT_TRUE(loss_exec->Feed(m.labels, labels).ok());
  auto result =
      CheckParameterGradient(loss_exec.get(), m.loss, &store, "p", gp, check);
  EXPECT_TRUE(result.ok()) << result.status();
  lopts.fetches = {m.mse};
  auto mse_exec = *Executor::Create(g, lopts);
  ASSERT_TRUE(mse_exec->BindParameters(&store).ok());
  ASSERT_TRUE(mse_exec->Feed(m.x, x).ok());
  result =
      CheckParameterGradient(mse_exec.get(), m.mse, &store, "q", gq, check);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->max_abs_numeric, 1e-3);  // The check is not vacuous.
}

TEST(AutodiffTest, Errors) {
  Model m;
  BuildModel(&m);
  NodeId unused = *m.b.AddParameter("unused", Shape({2}), ConstantInit(1));
  auto r = AddGradients(&m.b, m.loss, {unused});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("'unused'"));
  // q does not reach the SCE loss.
  r = AddGradients(&m.b, m.loss, {m.q});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("'q'"));
  // Labels are not differentiable: they do not reach the loss.
  r = AddGradients(&m.b, m.loss, {m.labels});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  r = AddGradients(&m.b, m.loss, {NodeId{12345}});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("12345"));
  // Non-scalar loss.
  r = AddGradients(&m.b, m.logits, {m.p});
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("[4,5]"));
}

std::vector<float> RunAndCopy(const Graph& g, const Model& m,
                              const std::vector<NodeId>& fetches, int threads,
                              bool plan, ParameterStore* store) {
  ExecutorOptions opts;
  opts.fetches = fetches;
  opts.batch_size = 4;
  opts.num_threads = threads;
  opts.plan_memory = plan;
  auto exec = *Executor::Create(g, opts);
  EXPECT_TRUE(exec->BindParameters(store).ok());
  EXPECT_TRUE(
      exec->Feed(m.labels, Tensor::FromValues(Shape({4}), {1, 3, 0, 2})).ok());
  EXPECT_TRUE(exec->Feed(m.x, RandomTensor(Shape({4, 3}), 5, -1, 1)).ok());
  EXPECT_TRUE(exec->Run().ok());
  std::vector<float> out;
  for (NodeId f : fetches) {
    const Tensor* t = *exec->Fetch(f);
    out.insert(out.end(), t->data(), t->data() + t->size());
  }
  return out;
}

TEST(ExecutorTest, PlannedUnplannedAndThreadsBitwiseEqual) {
  Model m;
  BuildModel(&m);
  std::vector<NodeId> grads = *AddGradients(&m.b, m.loss, {m.p});
  std::vector<NodeId> mg = *AddGradients(&m.b, m.mse, {m.q});
  Graph g = *m.b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(g, 11).ok());
  std::vector<NodeId> fetches = {m.loss, grads[0], m.mse, mg[0]};
  std::vector<float> ref = RunAndCopy(g, m, fetches, 1, true, &store);
  std::vector<float> unplanned = RunAndCopy(g, m, fetches, 1, false, &store);
  std::vector<float> two = RunAndCopy(g, m, fetches, 2, true, &store);
  ASSERT_EQ(ref.size(), unplanned.size());
  ASSERT_EQ(ref.size(), two.size());
  EXPECT_EQ(std::memcmp(ref.data(), unplanned.data(), ref.size() * 4), 0);
  EXPECT_EQ(std::memcmp(ref.data(), two.data(), ref.size() * 4), 0);
}

TEST(ExecutorTest, StateErrors) {
  // A Graph that was not finalized.
  ExecutorOptions opts;
  Model m;
  BuildModel(&m);
  opts.fetches = {m.loss};
  EXPECT_EQ(Executor::Create(Graph(), opts).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Graph g = *m.b.Finalize();
  opts.batch_size = 4;
  auto exec = *Executor::Create(g, opts);
  // Run before BindParameters, Fetch before Run.
  EXPECT_EQ(exec->Run().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(exec->Fetch(m.loss).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ParameterStore empty;
  EXPECT_EQ(exec->BindParameters(&empty).code(), absl::StatusCode::kNotFound);
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(g, 1).ok());
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  // Run before feeding the labels.
  absl::Status s = exec->Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'labels'"));
  // Wrong feed shape.
  s = exec->Feed(m.labels, Tensor::Zeros(Shape({5})));
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'labels'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("[4]"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("[5]"));
  // Feeding a non-input.
  EXPECT_EQ(exec->Feed(m.p, Tensor::Zeros(Shape({4, 5}))).code(),
            absl::StatusCode::kInvalidArgument);
  // Kernel data error (label out of range) propagates with the node name.
  ASSERT_TRUE(
      exec->Feed(m.labels, Tensor::FromValues(Shape({4}), {0, 1, 9, 2})).ok());
  s = exec->Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'loss'"));
  ASSERT_TRUE(
      exec->Feed(m.labels, Tensor::FromValues(Shape({4}), {0, 1, 3, 2})).ok());
  ASSERT_TRUE(exec->Run().ok());
  EXPECT_EQ(exec->step(), 1);
  ASSERT_TRUE(exec->Run().ok());
  EXPECT_EQ(exec->step(), 2);
  EXPECT_TRUE(std::isfinite((**exec->Fetch(m.loss))[0]));
  // A batch size the graph cannot take: p is [4,5], so labels must be [4].
  opts.batch_size = 3;
  EXPECT_EQ(Executor::Create(g, opts).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Fetching a node that is not a fetch.
  EXPECT_EQ(exec->Fetch(m.t).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ExecutorTest, ExecutorsWithDifferentBatchSizesShareGraphAndStore) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 5}));
  NodeId labels = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId t = *b.AddOp(TanhAttrs{}, {x});
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {t, labels});
  EXPECT_EQ(*b.shape(t), Shape({Shape::kUnknownDim, 5}));
  std::vector<NodeId> gx = *AddGradients(&b, loss, {x});
  Graph g = *b.Finalize();
  Tensor x4 = RandomTensor(Shape({4, 5}), 2, -1, 1);
  Tensor l4 = Tensor::FromValues(Shape({4}), {0, 1, 2, 3});
  ExecutorOptions opts;
  opts.fetches = {loss, gx[0]};
  opts.batch_size = 4;
  auto train = *Executor::Create(g, opts);
  opts.fetches = {loss};
  opts.batch_size = 2;
  opts.training = false;
  auto eval = *Executor::Create(g, opts);
  ASSERT_TRUE(train->Feed(x, x4).ok());
  ASSERT_TRUE(train->Feed(labels, l4).ok());
  ASSERT_TRUE(train->Run().ok());
  EXPECT_EQ((*train->Fetch(gx[0]))->shape(), Shape({4, 5}));
  // The eval executor sees the first two examples only.
  ASSERT_TRUE(
      eval->Feed(x, Tensor::FromValues(Shape({2, 5}),
                                       absl::MakeConstSpan(x4.data(), 10)))
          .ok());
  ASSERT_TRUE(eval->Feed(labels, Tensor::FromValues(Shape({2}), {0, 1})).ok());
  ASSERT_TRUE(eval->Run().ok());
  EXPECT_EQ(eval->shape(t), Shape({2, 5}));
  EXPECT_TRUE(std::isfinite((**eval->Fetch(loss))[0]));
  EXPECT_EQ(eval->Feed(x, x4).code(), absl::StatusCode::kInvalidArgument);
}

// DropoutRun: y = Dropout(x) and dL/dx = mask (L = Sum(y)) of one run.
struct DropoutRun {
  std::vector<float> y, dx;
};

// RunDropoutRows() runs rows [begin, end) of x [8,37] through `g` (y =
// Dropout(x), L = Sum(y)) in an executor of batch end - begin at
// example_offset `offset`, at steps 0 and 1 (one DropoutRun each).
std::vector<DropoutRun> RunDropoutRows(const Graph& g, NodeId x, NodeId y,
                                       NodeId gx, const Tensor& x_value,
                                       int64_t begin, int64_t end,
                                       int64_t offset, int threads) {
  ExecutorOptions opts;
  opts.fetches = {y, gx};
  opts.batch_size = end - begin;
  opts.num_threads = threads;
  opts.seed = 19;
  auto exec = *Executor::Create(g, opts);
  exec->set_example_offset(offset);
  EXPECT_EQ(exec->example_offset(), offset);
  const int64_t cols = x_value.shape().dim(1);
  EXPECT_TRUE(
      exec->Feed(x, Tensor::FromValues(
                        Shape({end - begin, cols}),
                        absl::MakeConstSpan(x_value.data() + begin * cols,
                                            (end - begin) * cols)))
          .ok());
  std::vector<DropoutRun> runs;
  for (int step = 0; step < 2; ++step) {
    EXPECT_TRUE(exec->Run().ok());
    const Tensor* yv = *exec->Fetch(y);
    const Tensor* dxv = *exec->Fetch(gx);
    runs.push_back(
        {std::vector<float>(yv->data(), yv->data() + yv->size()),
         std::vector<float>(dxv->data(), dxv->data() + dxv->size())});
  }
  return runs;
}

TEST(ExecutorTest, RowRangesAtTheirExampleOffsetsDrawTheWholeBatchMasks) {
  // One global batch x [8,37] run whole (offset 0), and as rows [0,3) at
  // offset 0 plus rows [3,8) at offset 3 (two executors, as two
  // data-parallel ranks): at each step the same dropout output and mask
  // (dL/dx with L = Sum(y)), row for row, bitwise, at 1 and 2 threads.
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 37}));
  DropoutAttrs drop;
  drop.p = 0.5f;
  NodeId y = *b.AddOp(drop, {x}, {"drop", ""});
  NodeId loss = *b.AddOp(SumAttrs{}, {y});
  std::vector<NodeId> gx = *AddGradients(&b, loss, {x});
  Graph g = *b.Finalize();
  Tensor x_value = RandomTensorAwayFromZero(Shape({8, 37}), 4, 0.1f);
  for (int threads : {1, 2}) {
    const std::vector<DropoutRun> whole =
        RunDropoutRows(g, x, y, gx[0], x_value, 0, 8, 0, threads);
    const std::vector<DropoutRun> head =
        RunDropoutRows(g, x, y, gx[0], x_value, 0, 3, 0, threads);
    const std::vector<DropoutRun> tail =
        RunDropoutRows(g, x, y, gx[0], x_value, 3, 8, 3, threads);
    for (int step = 0; step < 2; ++step) {
      std::vector<float> y_parts = head[step].y;
      y_parts.insert(y_parts.end(), tail[step].y.begin(), tail[step].y.end());
      std::vector<float> dx_parts = head[step].dx;
      dx_parts.insert(dx_parts.end(), tail[step].dx.begin(),
                      tail[step].dx.end());
      ASSERT_EQ(y_parts.size(), whole[step].y.size());
      ASSERT_EQ(dx_parts.size(), whole[step].dx.size());
      EXPECT_EQ(
          std::memcmp(y_parts.data(), whole[step].y.data(), y_parts.size() * 4),
          0)
          << "step " << step << " threads " << threads;
      EXPECT_EQ(std::memcmp(dx_parts.data(), whole[step].dx.data(),
                            dx_parts.size() * 4),
                0)
          << "step " << step << " threads " << threads;
    }
    // Not vacuous: some elements kept, some dropped, and the two steps
    // draw different masks.
    int64_t kept = 0;
    for (float m : whole[0].dx) kept += m != 0.0f;
    EXPECT_GT(kept, 0);
    EXPECT_LT(kept, 8 * 37);
    EXPECT_NE(whole[0].dx, whole[1].dx);
  }
  // The tail at offset 0 draws the whole batch's first rows' masks, not its
  // own: rows [3,8) differ from the whole batch's rows [3,8).
  const std::vector<DropoutRun> unkeyed =
      RunDropoutRows(g, x, y, gx[0], x_value, 3, 8, 0, 1);
  const std::vector<DropoutRun> whole =
      RunDropoutRows(g, x, y, gx[0], x_value, 0, 8, 0, 1);
  EXPECT_NE(unkeyed[0].dx, std::vector<float>(whole[0].dx.begin() + 3 * 37,
                                              whole[0].dx.end()));
}

TEST(ExecutorTest, NegativeExampleOffsetIsAnError) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 3}));
  NodeId t = *b.AddOp(TanhAttrs{}, {x});
  Graph g = *b.Finalize();
  ExecutorOptions opts;
  opts.fetches = {t};
  opts.batch_size = 2;
  auto exec = *Executor::Create(g, opts);
  ASSERT_TRUE(exec->Feed(x, Tensor::Zeros(Shape({2, 3}))).ok());
  exec->set_example_offset(-2);
  absl::Status s = exec->Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("example_offset -2"));
  EXPECT_EQ(exec->step(), 0);
  exec->set_example_offset(2);
  EXPECT_TRUE(exec->Run().ok());
}

// Watch() + Run(on_computed): each watched gradient is reported once, in
// schedule order, as soon as its node has run -- with its final value, and
// before the rest of the schedule (the other gradient) has run.
TEST(ExecutorTest, WatchedFetchesAreReportedAsTheyAreComputed) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 3}));
  NodeId w1 = *b.AddParameter("w1", Shape({3}), UniformInit(-1.f, 1.f));
  NodeId w2 = *b.AddParameter("w2", Shape({3}), UniformInit(-1.f, 1.f));
  NodeId h = *b.AddOp(TanhAttrs{}, {*b.AddOp(MulAttrs{}, {x, w1})});
  NodeId loss = *b.AddOp(SumAttrs{}, {*b.AddOp(MulAttrs{}, {h, w2})});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {w1, w2});
  Graph g = *b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(g, 3).ok());
  ExecutorOptions opts;
  opts.fetches = {loss, grads[0], grads[1]};
  opts.batch_size = 2;
  auto exec = *Executor::Create(g, opts);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(
      exec->Feed(x, RandomTensorAwayFromZero(Shape({2, 3}), 3, 0.1f)).ok());
  // Watch order: w1's gradient first, though the reverse pass computes
  // w2's first.
  ASSERT_TRUE(exec->Watch({grads[0], grads[1]}).ok());
  ASSERT_TRUE(exec->Watch({grads[0], grads[1]}).ok());  // Same: kept.
  Tensor* g1 = *exec->FetchTarget(grads[0]);
  Tensor* g2 = *exec->FetchTarget(grads[1]);
  std::vector<int> reported;
  std::vector<float> seen1, seen2;
  ASSERT_TRUE(exec->Run([&](int k) {
                    reported.push_back(k);
                    if (k == 0) seen1.assign(g1->data(), g1->data() + 3);
                    if (k == 1) seen2.assign(g2->data(), g2->data() + 3);
                    // When w2's gradient is reported, w1's is not done yet.
                    if (k == 1) EXPECT_TRUE(seen1.empty());
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(reported, (std::vector<int>{1, 0}));
  const Tensor* f1 = *exec->Fetch(grads[0]);
  const Tensor* f2 = *exec->Fetch(grads[1]);
  EXPECT_EQ(f1, g1);
  EXPECT_EQ(seen1, std::vector<float>(f1->data(), f1->data() + 3));
  EXPECT_EQ(seen2, std::vector<float>(f2->data(), f2->data() + 3));
  // An error from the callback stops the run.
  absl::Status stop = exec->Run([](int) {
    return absl::CancelledError("stop here");
  });
  EXPECT_EQ(stop.code(), absl::StatusCode::kCancelled);
  // Only fetches can be watched.
  EXPECT_EQ(exec->Watch({h}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(exec->FetchTarget(h).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DotTest, StylesForwardAndReverseNodes) {
  Model m;
  BuildModel(&m);
  std::vector<NodeId> grads = *AddGradients(&m.b, m.loss, {m.p});
  Graph g = *m.b.Finalize();
  ExecutorOptions opts;
  opts.fetches = {m.loss, grads[0]};
  opts.batch_size = 4;
  auto exec = *Executor::Create(g, opts);
  std::string dot = ToDot(g, &exec->plan());
  EXPECT_THAT(dot, HasSubstr("digraph"));
  EXPECT_THAT(dot, HasSubstr("l1/Tanh"));
  EXPECT_THAT(dot, HasSubstr("grad/l1/Tanh/d0"));
  EXPECT_THAT(dot, HasSubstr("style=dashed,color=red"));
  EXPECT_THAT(dot, HasSubstr("style=solid"));
  EXPECT_THAT(dot, HasSubstr("[label=\"[4,5]\"]"));
  EXPECT_THAT(dot, HasSubstr("80 B"));  // The [4,5] float buffer.
  EXPECT_THAT(dot, HasSubstr(absl::StrCat("n", m.t.index, " -> n", m.s.index)));
}

}  // namespace
}  // namespace dagrad
