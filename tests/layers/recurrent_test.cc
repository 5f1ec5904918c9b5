// SimpleRNN, LSTM and GRU (layers/recurrent.h): gradients through time of
// every parameter and the input, both return modes; the forward against an
// independent loop over PyTorch's equations (pins the gate order); shape
// errors; long sequences; 1 vs 2 threads bitwise for training steps.
#include "layers/recurrent.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "layers/dense.h"
#include "tests/layers/layer_gradient.h"
#include "tests/testing/gradient_checker.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

RecurrentOptions Options(bool sequences, bool bias = true) {
  RecurrentOptions o;
  o.return_sequences = sequences;
  o.use_bias = bias;
  return o;
}

LayerGradientCase Case(int64_t steps, uint64_t seed) {
  LayerGradientCase c;
  c.input = RandomTensor(Shape({2, steps, 3}), seed);
  c.seed = seed;
  c.options.epsilon = 1e-2;
  c.options.rtol = 1e-2;
  c.options.atol = 1e-3;
  return c;
}

TEST(RecurrentGradientTest, SimpleRnnThroughTime) {
  for (bool sequences : {false, true}) {
    SCOPED_TRACE(sequences ? "sequences" : "last");
    CheckLayerGradients(SimpleRNN(5, Options(sequences)), Case(4, 1));
  }
}

TEST(RecurrentGradientTest, LstmThroughTime) {
  for (bool sequences : {false, true}) {
    SCOPED_TRACE(sequences ? "sequences" : "last");
    CheckLayerGradients(LSTM(5, Options(sequences)), Case(4, 2));
  }
  SCOPED_TRACE("no bias");
  CheckLayerGradients(LSTM(4, Options(false, false)), Case(3, 3));
}

TEST(RecurrentGradientTest, GruThroughTime) {
  for (bool sequences : {false, true}) {
    SCOPED_TRACE(sequences ? "sequences" : "last");
    CheckLayerGradients(GRU(5, Options(sequences)), Case(4, 4));
  }
  SCOPED_TRACE("no bias");
  CheckLayerGradients(GRU(4, Options(true, false)), Case(3, 5));
}

// Forward: the layer's states against a double-precision loop over the
// equations of layers/recurrent.h, reading the layer's own parameters.
class RecurrentForwardTest : public ::testing::Test {
 protected:
  // Run() builds `layer` (return_sequences) on x [N,T,F] and returns its
  // output [N,T,H]; the parameters are then in store_.
  Tensor Run(const Layer& layer, const Tensor& x) {
    GraphBuilder b;
    NodeId in = *b.AddInput("x", x.shape());
    absl::StatusOr<NodeId> y = layer.Build(&b, "rnn", in);
    EXPECT_TRUE(y.ok()) << y.status();
    graph_ = *b.Finalize();
    EXPECT_TRUE(store_.Initialize(graph_, /*seed=*/7).ok());
    ExecutorOptions opts;
    opts.batch_size = x.shape().dim(0);
    opts.fetches = {*y};
    auto exec = *Executor::Create(graph_, opts);
    EXPECT_TRUE(exec->BindParameters(&store_).ok());
    EXPECT_TRUE(exec->Feed(in, x).ok());
    EXPECT_TRUE(exec->Run().ok());
    return (*exec->Fetch(*y))->Clone();
  }

  // Affine() is x W[:, gate] + b[gate] (b may be null) for one row x.
  std::vector<double> Affine(const std::vector<double>& x, const char* w,
                             const char* b, int gate, int64_t h) {
    const Tensor& wt = *store_.Find(std::string("rnn/") + w);
    const int64_t width = wt.shape().dim(1);
    std::vector<double> out(h, 0.0);
    for (int64_t j = 0; j < h; ++j) {
      const int64_t col = gate * h + j;
      if (b != nullptr) out[j] = (*store_.Find(std::string("rnn/") + b))[col];
      for (size_t k = 0; k < x.size(); ++k)
        out[j] += x[k] * wt[k * width + col];
    }
    return out;
  }

  Graph graph_;
  ParameterStore store_;
};

double Sig(double v) { return 1.0 / (1.0 + std::exp(-v)); }

constexpr int64_t kN = 2, kT = 3, kF = 4, kH = 3;

std::vector<double> Row(const Tensor& x, int64_t n, int64_t t) {
  std::vector<double> row(kF);
  for (int64_t k = 0; k < kF; ++k) row[k] = x[(n * kT + t) * kF + k];
  return row;
}

void ExpectState(const Tensor& y, int64_t n, int64_t t,
                 const std::vector<double>& h) {
  for (int64_t j = 0; j < kH; ++j) {
    EXPECT_NEAR(y[(n * kT + t) * kH + j], h[j], 2e-6)
        << "n=" << n << " t=" << t << " j=" << j;
  }
}

TEST_F(RecurrentForwardTest, LstmMatchesPyTorchEquations) {
  const Tensor x = RandomTensor(Shape({kN, kT, kF}), 11);
  const Tensor y = Run(LSTM(kH, Options(true)), x);
  for (int64_t n = 0; n < kN; ++n) {
    std::vector<double> h(kH, 0.0), c(kH, 0.0);
    for (int64_t t = 0; t < kT; ++t) {
      std::vector<double> z[4];
      for (int g = 0; g < 4; ++g) {  // i, f, g, o
        std::vector<double> a = Affine(Row(x, n, t), "W_ih", "b_ih", g, kH);
        std::vector<double> r = Affine(h, "W_hh", "b_hh", g, kH);
        for (int64_t j = 0; j < kH; ++j) a[j] += r[j];
        z[g] = a;
      }
      for (int64_t j = 0; j < kH; ++j) {
        c[j] = Sig(z[1][j]) * c[j] + Sig(z[0][j]) * std::tanh(z[2][j]);
        h[j] = Sig(z[3][j]) * std::tanh(c[j]);
      }
      ExpectState(y, n, t, h);
    }
  }
}

TEST_F(RecurrentForwardTest, GruMatchesPyTorchEquations) {
  const Tensor x = RandomTensor(Shape({kN, kT, kF}), 12);
  const Tensor y = Run(GRU(kH, Options(true)), x);
  for (int64_t n = 0; n < kN; ++n) {
    std::vector<double> h(kH, 0.0);
    for (int64_t t = 0; t < kT; ++t) {
      std::vector<double> p[3], q[3];
      for (int g = 0; g < 3; ++g) {  // r, z, n
        p[g] = Affine(Row(x, n, t), "W_ih", "b_ih", g, kH);
        q[g] = Affine(h, "W_hh", "b_hh", g, kH);
      }
      for (int64_t j = 0; j < kH; ++j) {
        const double r = Sig(p[0][j] + q[0][j]);
        const double u = Sig(p[1][j] + q[1][j]);
        const double nn = std::tanh(p[2][j] + r * q[2][j]);
        h[j] = (1 - u) * nn + u * h[j];
      }
      ExpectState(y, n, t, h);
    }
  }
}

TEST_F(RecurrentForwardTest, SimpleRnnMatchesPyTorchEquations) {
  const Tensor x = RandomTensor(Shape({kN, kT, kF}), 13);
  for (Activation act : {Activation::kTanh, Activation::kRelu}) {
    SCOPED_TRACE(ActivationName(act));
    const Tensor y = Run(SimpleRNN(kH, act, Options(true)), x);
    for (int64_t n = 0; n < kN; ++n) {
      std::vector<double> h(kH, 0.0);
      for (int64_t t = 0; t < kT; ++t) {
        std::vector<double> a = Affine(Row(x, n, t), "W_ih", "b_ih", 0, kH);
        std::vector<double> r = Affine(h, "W_hh", "b_hh", 0, kH);
        for (int64_t j = 0; j < kH; ++j) {
          const double z = a[j] + r[j];
          h[j] = act == Activation::kTanh ? std::tanh(z) : std::max(z, 0.0);
        }
        ExpectState(y, n, t, h);
      }
    }
  }
}

TEST_F(RecurrentForwardTest, ParametersHavePyTorchShapesAndInit) {
  Run(LSTM(kH, Options(true)), RandomTensor(Shape({kN, kT, kF}), 1));
  const double k = 1.0 / std::sqrt(static_cast<double>(kH));
  for (const char* name : {"W_ih", "W_hh", "b_ih", "b_hh"}) {
    const Tensor& p = *store_.Find(std::string("rnn/") + name);
    EXPECT_EQ(p.shape().dim(p.shape().rank() - 1), 4 * kH) << name;
    for (int64_t i = 0; i < p.size(); ++i) {
      EXPECT_LE(std::abs(p[i]), k) << name;
    }
  }
  EXPECT_EQ(store_.Find("rnn/W_ih")->shape(), Shape({kF, 4 * kH}));
  EXPECT_EQ(store_.Find("rnn/W_hh")->shape(), Shape({kH, 4 * kH}));
}

TEST(RecurrentTest, LongSequenceStacksEveryStep) {
  // 40 steps: more than one Concat (at most 31 inputs) joins the states.
  GraphBuilder b;
  NodeId in = *b.AddInput("x", Shape({Shape::kUnknownDim, 40, 2}));
  NodeId seq = *GRU(3, Options(true)).Build(&b, "gru", in);
  EXPECT_EQ(*b.shape(seq), Shape({Shape::kUnknownDim, 40, 3}));
  NodeId last = *GRU(3).Build(&b, "gru_last", in);
  Graph graph = *b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(graph, 3).ok());
  // Give both layers the same weights, so the sequence's last step must be
  // the last state.
  for (const char* p : {"W_ih", "W_hh", "b_ih", "b_hh"}) {
    store.Find(std::string("gru_last/") + p)
        ->CopyFrom(*store.Find(std::string("gru/") + p));
  }
  ExecutorOptions opts;
  opts.batch_size = 2;
  opts.fetches = {seq, last};
  auto exec = *Executor::Create(graph, opts);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(exec->Feed(in, RandomTensor(Shape({2, 40, 2}), 4)).ok());
  ASSERT_TRUE(exec->Run().ok());
  const Tensor& s = **exec->Fetch(seq);
  const Tensor& l = **exec->Fetch(last);
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t j = 0; j < 3; ++j) {
      EXPECT_EQ(s[(n * 40 + 39) * 3 + j], l[n * 3 + j]);
    }
  }
}

TEST(RecurrentTest, BadInputsNameTheLayerAndShape) {
  struct Case {
    Shape input;
    int64_t units;
    const char* mentions;
  };
  for (const Case& c :
       {Case{Shape({Shape::kUnknownDim, 28}), 4, "[?,28]"},
        Case{Shape({Shape::kUnknownDim, 1, 28, 28}), 4, "Reshape"},
        Case{Shape({Shape::kUnknownDim, 0, 3}), 4, "[?,0,3]"},
        Case{Shape({Shape::kUnknownDim, 5, 3}), 0, "units must be >= 1"}}) {
    for (int kind = 0; kind < 3; ++kind) {
      GraphBuilder b;
      NodeId in = *b.AddInput("x", c.input);
      absl::StatusOr<NodeId> y =
          kind == 0   ? SimpleRNN(c.units).Build(&b, "rnn_1", in)
          : kind == 1 ? LSTM(c.units).Build(&b, "rnn_1", in)
                      : GRU(c.units).Build(&b, "rnn_1", in);
      ASSERT_FALSE(y.ok());
      EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
      const char* type = kind == 0   ? "(SimpleRNN)"
                         : kind == 1 ? "(LSTM)"
                                     : "(GRU)";
      for (const std::string& m :
           {std::string("'rnn_1'"), std::string(type), std::string(c.mentions),
            c.input.DebugString()}) {
        EXPECT_TRUE(absl::StrContains(y.status().message(), m)) << y.status();
      }
    }
  }
  GraphBuilder b;
  NodeId in = *b.AddInput("x", Shape({Shape::kUnknownDim, 5, 3}));
  absl::StatusOr<NodeId> y =
      SimpleRNN(4, Activation::kSoftmax).Build(&b, "rnn", in);
  ASSERT_FALSE(y.ok());
  EXPECT_TRUE(absl::StrContains(y.status().message(), "tanh or relu"))
      << y.status();
}

// TrainSteps() trains a small LSTM + GRU model for three Adam steps with
// `threads` and returns its predictions.
Tensor TrainSteps(int threads) {
  Sequential model(Shape({6, 4}), /*seed=*/5);
  model.Add(LSTM(8, Options(true)));
  model.Add(GRU(6));
  model.Add(Dense(3));
  FitOptions fit;
  fit.optimizer = OptimizerKind::kAdam;
  fit.num_threads = threads;
  const Tensor images = RandomTensor(Shape({40, 6, 4}), 8);
  Tensor labels = Tensor::Zeros(Shape({40}));
  for (int64_t i = 0; i < 40; ++i) labels[i] = static_cast<float>(i % 3);
  for (int step = 0; step < 3; ++step) {
    absl::StatusOr<StepResult> r = model.TrainStep(images, labels, fit, 0.01f);
    EXPECT_TRUE(r.ok()) << r.status();
  }
  absl::StatusOr<Tensor> out = model.Predict(images);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? std::move(*out) : Tensor();
}

TEST(RecurrentTest, TrainingIsBitwiseTheSameOnOneAndTwoThreads) {
  const Tensor one = TrainSteps(1);
  const Tensor two = TrainSteps(2);
  ASSERT_EQ(one.shape(), two.shape());
  ASSERT_GT(one.size(), 0);
  for (int64_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(one[i], two[i]) << "element " << i;
  }
}

}  // namespace
}  // namespace dagrad
