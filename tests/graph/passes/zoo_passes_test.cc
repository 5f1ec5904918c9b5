// Every pass, on alone and all together, against all off: the training
// steps of every model of the zoo (models/model_zoo.h) and of the examples'
// architectures (examples/*.cc, rebuilt here layer for layer) give bitwise
// equal outputs, losses and gradients, at 1 and 2 threads, over two steps
// (the second after an SGD update; dropout draws per step).
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "graph/dot.h"
#include "gtest/gtest.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/initializers.h"
#include "layers/pooling.h"
#include "models/model_zoo.h"
#include "tests/train/synthetic_data.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

struct ZooModel {
  std::string name;
  std::function<void(Sequential*)> build;
};

std::vector<ZooModel> Models() {
  return {
      {"lenet5", [](Sequential* m) { AddLeNet5(m); }},
      {"mlp_relu", [](Sequential* m) { AddMlp(m, 32, Activation::kRelu); }},
      {"mlp_tanh", [](Sequential* m) { AddMlp(m, 32, Activation::kTanh); }},
      {"mlp_sigmoid",
       [](Sequential* m) { AddMlp(m, 32, Activation::kSigmoid); }},
      {"mnist_convnet",
       [](Sequential* m) {
         Conv2DOptions relu;
         relu.activation = Activation::kRelu;
         m->Add(Conv2D(1, 3, relu));
         m->Add(MeanPool2D(2));
         m->Add(Conv2D(2, 4, relu));
         m->Add(MeanPool2D(2));
         m->Add(Flatten());
         m->Add(Dense(10, Activation::kSoftmax));
       }},
      {"mnist_dropout",
       [](Sequential* m) {
         m->Add(Flatten());
         m->Add(Dense(64, Activation::kRelu));
         m->Add(Dropout(0.5f));
         m->Add(Dense(10, Activation::kSoftmax));
       }},
      {"softmax_regression",
       [](Sequential* m) {
         m->Add(Flatten());
         m->Add(AffineLayer(10, Initializer::Uniform(-0.1f, 0.1f),
                            Initializer::Uniform(-0.1f, 0.1f)));
       }},
      {"mlp_depth_sweep",
       [](Sequential* m) {
         m->Add(Flatten());
         for (int i = 0; i < 3; ++i) m->Add(Dense(24, Activation::kSigmoid));
         m->Add(Dense(10));
       }},
  };
}

// StepValues() is, per step: the output, the loss and every gradient.
std::vector<Tensor> StepValues(const ZooModel& zoo, const PassOptions& passes,
                               int threads) {
  Sequential model(Shape({1, 28, 28}), /*seed=*/5);
  zoo.build(&model);
  EXPECT_TRUE(model.SetPassOptions(passes).ok());
  const Dataset data = QuadrantData(6, 28, 9);
  FitOptions fit;
  fit.num_threads = threads;
  // One pass over the batch: the executor of `batch` rows is the one that
  // trained (train/gradient_shards.h).
  fit.reduction_shards = 1;
  fit.lr = 0.05f;
  std::vector<Tensor> values;
  for (int step = 0; step < 2; ++step) {
    absl::StatusOr<StepResult> r =
        model.TrainStep(data.images, data.labels, fit, fit.lr);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return values;
    absl::StatusOr<Executor*> e =
        model.GetExecutor(ExecutorMode::kTrain, 6, threads);
    EXPECT_TRUE(e.ok());
    std::vector<NodeId> nodes = {model.output_node(), model.loss_node()};
    for (NodeId g : model.gradient_nodes()) nodes.push_back(g);
    for (NodeId n : nodes) values.push_back((*(*e)->Fetch(n))->Clone());
  }
  return values;
}

void ExpectSame(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].shape(), b[k].shape()) << "value " << k;
    EXPECT_EQ(std::memcmp(a[k].data(), b[k].data(), a[k].size() * 4), 0)
        << "value " << k << " (output, loss, gradients per step) differs";
  }
}

TEST(ZooPassesTest, EveryPassIsBitwiseExactOnEveryModel) {
  struct Variant {
    const char* name;
    PassOptions options;
  };
  std::vector<Variant> variants = {{"all", PassOptions{}}};
  for (const PassInfo& p : Passes()) {
    PassOptions only = PassOptions::None();
    only.*p.enabled = true;
    variants.push_back({p.name, only});
  }
  PassOptions in_place = PassOptions::None();  // The planner's in-place ops.
  in_place.in_place = true;
  variants.push_back({"in_place", in_place});
  for (const ZooModel& zoo : Models()) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(zoo.name + " threads " + std::to_string(threads));
      const std::vector<Tensor> off =
          StepValues(zoo, PassOptions::None(), threads);
      for (const Variant& v : variants) {
        SCOPED_TRACE(v.name);
        ExpectSame(off, StepValues(zoo, v.options, threads));
      }
    }
  }
}

// PlannedBytes() is the arena of `zoo`'s executor of `mode` at batch 64.
int64_t PlannedBytes(const ZooModel& zoo, const PassOptions& passes,
                     ExecutorMode mode) {
  Sequential model(Shape({1, 28, 28}));
  zoo.build(&model);
  EXPECT_TRUE(model.SetPassOptions(passes).ok());
  EXPECT_TRUE(model.Compile(Loss::kSoftmaxCrossEntropy).ok());
  absl::StatusOr<Executor*> e = model.GetExecutor(mode, 64, 1);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? (*e)->plan().peak_bytes : 0;
}

// In-place ops never plan more. An activation's input dies where the
// activation runs, so sharing shortens a buffer's life by one node: that
// lowers the peak where the peak is in the forward pass (inference, with
// standalone BiasAdd -> Relu/Tanh/Sigmoid chains: the rewrites off), as in
// the convnets; the MLPs' inference peak is the fed images. In training the
// peak is in the reverse pass, and the fused graphs have no standalone
// elementwise forward op left.
TEST(ZooPassesTest, InPlaceNeverPlansMoreAndLowersInference) {
  PassOptions off = PassOptions::None();
  PassOptions in_place = off;
  in_place.in_place = true;
  PassOptions all_but_in_place;
  all_but_in_place.in_place = false;
  for (const ZooModel& zoo : Models()) {
    SCOPED_TRACE(zoo.name);
    for (ExecutorMode mode : {ExecutorMode::kTrain, ExecutorMode::kPredict}) {
      EXPECT_LE(PlannedBytes(zoo, in_place, mode),
                PlannedBytes(zoo, off, mode));
      EXPECT_LE(PlannedBytes(zoo, PassOptions{}, mode),
                PlannedBytes(zoo, all_but_in_place, mode));
    }
    const int64_t before = PlannedBytes(zoo, off, ExecutorMode::kPredict);
    const int64_t after = PlannedBytes(zoo, in_place, ExecutorMode::kPredict);
    std::printf("%s: inference plan %lld -> %lld bytes with in-place ops\n",
                zoo.name.c_str(), static_cast<long long>(before),
                static_cast<long long>(after));
    if (zoo.name == "lenet5" || zoo.name == "mnist_convnet") {
      EXPECT_LT(after, before);  // Peak at a conv's activation.
    }
  }
}

TEST(ZooPassesTest, LeNet5HasNoStandaloneRelu) {
  Sequential model(Shape({1, 28, 28}));
  AddLeNet5(&model);
  ASSERT_TRUE(model.Compile(Loss::kSoftmaxCrossEntropy).ok());
  int relus = 0, fused = 0;
  for (const Node& n : model.graph()->nodes()) {
    if (n.def == nullptr) continue;
    relus += n.def->kind == OpKind::kRelu;
    fused += n.type == NodeType::kOp && n.def->kind == OpKind::kFusedActivation;
  }
  EXPECT_EQ(relus, 0);
  EXPECT_EQ(fused, 4);  // Two MaxPool2D+Relu, two MatMul+BiasAdd+Relu.
  const std::vector<PassLog>& log = model.pass_log();
  ASSERT_EQ(log.size(), Passes().size());
  EXPECT_EQ(log[2].name, "relu_pool_reorder");
  EXPECT_EQ(log[2].rewrites, 2);
  // --dot draws this graph: fused nodes by their chain, the passes named.
  const std::string dot = ToDot(*model.graph());
  EXPECT_TRUE(absl::StrContains(dot, "maxpool2d_1/MaxPool2D+Relu"));
  EXPECT_TRUE(absl::StrContains(dot, "dense_1/MatMul+BiasAdd+Relu"));
  EXPECT_TRUE(
      absl::StrContains(dot,
                        "cse: 0, constant_folding: 0, relu_pool_reorder: 2, "
                        "activation_fusion: 4"));
  EXPECT_FALSE(absl::StrContains(dot, "\\nRelu"));
}

}  // namespace
}  // namespace dagrad
